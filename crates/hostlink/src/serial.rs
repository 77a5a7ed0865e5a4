//! Opening a serial port (8N1, no flow control) for a [`crate::Link`].

use std::time::Duration;

/// Open `path` at `baud` with a read timeout; the returned port is `Read + Write`.
pub fn open_serial(
    path: &str,
    baud: u32,
    timeout: Duration,
) -> Result<Box<dyn serialport::SerialPort>, serialport::Error> {
    serialport::new(path, baud)
        .data_bits(serialport::DataBits::Eight)
        .parity(serialport::Parity::None)
        .stop_bits(serialport::StopBits::One)
        .flow_control(serialport::FlowControl::None)
        .timeout(timeout)
        .open()
}
