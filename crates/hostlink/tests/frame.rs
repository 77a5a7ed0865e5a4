//! Frame encoding/decoding on the host side.

use spikeloom_hostlink::frame::encode_frame;
use spikeloom_hostlink::{crc8, Command, DecodeError, Decoder, DeviceErrorCode, Reply};

#[test]
fn crc8_matches_the_catalogued_check_value() {
    // CRC-8 (poly 0x07, init 0, no reflection, no xorout) "123456789" -> 0xF4 (reveng catalogue).
    assert_eq!(crc8(b"123456789"), 0xF4);
    assert_eq!(crc8(&[]), 0);
}

#[test]
fn step_frame_is_a_little_endian_bitmap() {
    let cmd = Command::Step {
        input_size: 10,
        events: vec![9, 0, 3, 3],
    };
    let f = cmd.encode().unwrap();
    assert_eq!(&f[..6], &[0xA5, 0x02, 0x02, 0x00, 0b0000_1001, 0b0000_0010]);
    assert_eq!(f[6], crc8(&f[1..6]));
    let err = Command::Step {
        input_size: 10,
        events: vec![10],
    }
    .encode()
    .unwrap_err();
    assert_eq!(err, "input event 10 is out of range (input size 10)");
}

#[test]
fn decoder_skips_garbage_and_resyncs_after_a_bad_crc() {
    let good = encode_frame(0x82, &[3, 0, 0x01, 0x01]);
    let mut bad = encode_frame(0x81, &[1]);
    *bad.last_mut().unwrap() ^= 0xFF;
    let mut stream = vec![0x00, 0x11];
    stream.extend(&bad);
    stream.extend(&good);
    let mut d = Decoder::new();
    // Byte-by-byte delivery must give the same result as one push.
    let mut got = Vec::new();
    for b in &stream {
        d.push(&[*b]);
        while let Some(f) = d.next_frame() {
            got.push(f);
        }
    }
    assert_eq!(got.len(), 2);
    assert!(matches!(
        got[0],
        Err(DecodeError::BadCrc { kind: 0x81, .. })
    ));
    let frame = got[1].clone().unwrap();
    assert_eq!(
        Reply::from_frame(&frame).unwrap(),
        Reply::StepOut(vec![3, 257])
    );
    // 2 garbage bytes + the corrupt frame's 6 bytes (after its SYNC is rejected, the rest is skipped).
    assert_eq!(d.skipped(), 2 + bad.len());
}

#[test]
fn replies_are_checked_for_shape() {
    let err = Reply::from_frame(&spikeloom_hostlink::Frame {
        kind: 0x84,
        payload: vec![1, 2],
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "device frame type 0x84: payload of 2 bytes"
    );
    let e = Reply::from_frame(&spikeloom_hostlink::Frame {
        kind: 0xEE,
        payload: vec![6, 2],
    })
    .unwrap();
    assert_eq!(
        e,
        Reply::Error {
            code: DeviceErrorCode::Busy,
            detail: 2
        }
    );
}
