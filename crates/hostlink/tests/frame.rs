//! Frame encoding/decoding on the host side.

use spikeloom_hostlink::frame::encode_frame;
use spikeloom_hostlink::{
    crc8, Command, DecodeError, Decoder, DeviceErrorCode, Frame, LoadStatus, OutEvent, Reply,
    Status,
};

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
        Reply::StepOut(vec![OutEvent::spike(3), OutEvent::spike(257)])
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

#[test]
fn graded_step_and_run_values_frames() {
    // Graded STEP: the value bytes themselves, command 0x02.
    let f = Command::StepValues {
        values: vec![0, 5, 15],
    }
    .encode()
    .unwrap();
    assert_eq!(&f[..7], &[0xA5, 0x02, 0x03, 0x00, 0, 5, 15]);
    assert_eq!(f[7], crc8(&f[1..7]));
    // RUN_VALUES: flags, T u16 little-endian, values; command 0x06.
    let f = Command::RunValues {
        values: vec![7, 0],
        steps: 0x0102,
        per_step: true,
    }
    .encode()
    .unwrap();
    assert_eq!(&f[..9], &[0xA5, 0x06, 0x05, 0x00, 0x01, 0x02, 0x01, 7, 0]);
    assert_eq!(f[9], crc8(&f[1..9]));
    let err = Command::RunValues {
        values: vec![1],
        steps: 0,
        per_step: false,
    }
    .encode()
    .unwrap_err();
    assert_eq!(err, "RUN_VALUES needs at least one time step");
    let err = Command::StepValues { values: vec![] }.encode().unwrap_err();
    assert_eq!(err, "a graded STEP carries 1..=65535 values, got 0");
}

#[test]
fn step_out_entries_carry_counts_on_a_counting_bitstream() {
    let frame = Frame {
        kind: 0x82,
        payload: vec![3, 0, 5, 0x01, 0x01, 1],
    };
    // index 3 count 5, index 257 count 1
    assert_eq!(
        Reply::from_frame_counted(&frame, true).unwrap(),
        Reply::StepOut(vec![
            OutEvent { index: 3, count: 5 },
            OutEvent {
                index: 257,
                count: 1
            }
        ])
    );
    // The same 6 bytes from a binary bitstream are three indices.
    assert_eq!(
        Reply::from_frame(&frame).unwrap(),
        Reply::StepOut(vec![
            OutEvent::spike(3),
            OutEvent::spike(0x0105),
            OutEvent::spike(0x0101)
        ])
    );
    let bad = Frame {
        kind: 0x82,
        payload: vec![3, 0, 5, 1],
    };
    assert_eq!(
        Reply::from_frame_counted(&bad, true)
            .unwrap_err()
            .to_string(),
        "device frame type 0x82: payload of 4 bytes"
    );
    let out = Frame {
        kind: 0x86,
        payload: vec![0xFF, 0xFF, 2, 0],
    };
    assert_eq!(
        Reply::from_frame(&out).unwrap(),
        Reply::ValuesOut(vec![65535, 2])
    );
}

#[test]
fn status_v3_reports_value_widths_and_v2_means_binary() {
    let v3 = Frame {
        kind: 0x84,
        payload: vec![3, 1, 64, 0, 10, 0, 7, 0, 0, 2, 5, 3],
    };
    let s = match Reply::from_frame(&v3).unwrap() {
        Reply::Status(s) => s,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        s,
        Status {
            version: 3,
            error_seen: true,
            overflow: false,
            no_rate_encoder: false,
            input_size: 64,
            output_size: 10,
            steps: 7,
            crc_errors: 0,
            other_errors: 2,
            in_value_bits: 5,
            out_value_bits: 3,
            load: None,
        }
    );
    assert!(s.graded_input() && s.counted_output());
    assert_eq!(s.max_input_value(), 31);
    let v2 = Frame {
        kind: 0x84,
        payload: vec![2, 0, 64, 0, 10, 0, 7, 0, 0, 0],
    };
    let Reply::Status(s) = Reply::from_frame(&v2).unwrap() else {
        panic!()
    };
    assert_eq!((s.version, s.in_value_bits, s.out_value_bits), (2, 1, 1));
    assert!(!s.graded_input() && !s.counted_output());
    assert_eq!(s.max_input_value(), 1);
    // Error code 5: a value too wide for the input.
    let e = Reply::from_frame(&Frame {
        kind: 0xEE,
        payload: vec![5, 6],
    })
    .unwrap();
    assert_eq!(
        e,
        Reply::Error {
            code: DeviceErrorCode::ValueTooWide,
            detail: 6
        }
    );
}

#[test]
fn load_frames_and_status_v4() {
    let frame = Command::Load {
        offset: 0x0102_0304,
        data: vec![0xAA, 0xBB],
    }
    .encode()
    .unwrap();
    assert_eq!(
        frame[..10],
        [0xA5, 0x07, 6, 0, 0x04, 0x03, 0x02, 0x01, 0xAA, 0xBB]
    );
    assert_eq!(frame[10], crc8(&frame[1..10]));
    assert_eq!(Command::LoadEnd.encode().unwrap()[..4], [0xA5, 0x08, 0, 0]);
    let empty = Command::Load {
        offset: 0,
        data: Vec::new(),
    };
    assert_eq!(
        empty.encode().unwrap_err(),
        "a LOAD frame carries 1..=65531 image bytes, got 0"
    );
    let reply = |kind, payload: Vec<u8>| Reply::from_frame(&Frame { kind, payload }).unwrap();
    assert_eq!(
        reply(0x87, vec![1, 0x78, 0x56, 0x34, 0x12, 0x10, 0x20, 0, 0]),
        Reply::Loaded {
            state: 1,
            crc: 0x1234_5678,
            pos: 0x2010
        }
    );
    assert_eq!(
        reply(0x88, vec![2, 0x78, 0x56, 0x34, 0x12, 52, 0, 0, 0]),
        Reply::LoadEnded {
            state: 2,
            crc: 0x1234_5678,
            pos: 52
        }
    );
    // STATUS v4: 25 bytes, the loader's state, the loaded CRC, the position, the bitstream's
    // image CRC; state 0xFF = no loader
    let mut v4 = vec![4, 0, 64, 0, 10, 0, 0, 0, 0, 0, 1, 1, 2];
    v4.extend(0xCAFE_F00Du32.to_le_bytes());
    v4.extend(52u32.to_le_bytes());
    v4.extend(0xCAFE_F00Du32.to_le_bytes());
    let Reply::Status(s) = reply(0x84, v4.clone()) else {
        panic!()
    };
    let load = s.load.unwrap();
    assert_eq!(
        load,
        LoadStatus {
            state: 2,
            image_crc: 0xCAFE_F00D,
            loaded_crc: 0xCAFE_F00D,
            pos: 52
        }
    );
    assert!(load.holds(0xCAFE_F00D) && !load.holds(1));
    v4[12] = 0xFF;
    let Reply::Status(s) = reply(0x84, v4) else {
        panic!()
    };
    assert_eq!((s.version, s.load), (4, None));
    for (code, want) in [
        (7, DeviceErrorCode::NoLoader),
        (8, DeviceErrorCode::OutOfSequence),
        (9, DeviceErrorCode::NotLoaded),
    ] {
        assert_eq!(
            reply(0xEE, vec![code, 2]),
            Reply::Error {
                code: want,
                detail: 2
            }
        );
    }
    assert_eq!(
        DeviceErrorCode::NotLoaded.to_string(),
        "the weights are not loaded (the core does not run until a weight image is loaded)"
    );
}
