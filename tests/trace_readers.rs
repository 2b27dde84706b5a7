//! Every trace format reads the requests it holds: text layouts and presets,
//! compression, id and time conventions, and the writers' round trips.

use std::io::Write;
use std::path::{Path, PathBuf};

use edgesim::engine::SimTime;
use edgesim::workload::trace::{
    self, Column, CsvTraceWriter, Header, IdKind, OracleGeneralWriter, Request, TextOptions,
    TimeUnit, TraceFormat,
};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn req(time_s: u64, id: u64, size: u64) -> Request {
    Request {
        time: SimTime::from_secs(time_s),
        id,
        size,
    }
}

fn golden_csv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/replay/zipf_sizes.csv")
}

#[test]
fn csv_with_header_hex_octal_crlf_and_quotes() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "t.csv",
        b"timestamp,obj_id,size\r\n1,0x10,5\r\n2,010,6\r\n3,\"9\",7\r\n\r\n4,0,0\r\n",
    );
    let got = trace::read_all(&path, &TraceFormat::from_path(&path).unwrap()).unwrap();
    assert_eq!(got, vec![req(1, 16, 5), req(2, 8, 6), req(3, 9, 7)]);
}

#[test]
fn columns_by_name_and_hashed_ids() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "t.tsv",
        b"bytes\turl\tts\n10\t/a.jpg\t5\n20\t/b.jpg\t6\n10\t/a.jpg\t7\n",
    );
    let mut options = TextOptions::csv();
    options.delimiter = edgesim::workload::trace::Delimiter::Byte(b'\t');
    options.time = Some(Column::Name("ts".into()));
    options.id = Column::Name("url".into());
    options.size = Some(Column::Name("bytes".into()));
    options.time_unit = TimeUnit::Millis;
    let got = trace::read_all(&path, &TraceFormat::Text(options)).unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].id, got[2].id, "the same path hashes to the same id");
    assert_ne!(got[0].id, got[1].id);
    assert_eq!(got[1].time, SimTime::from_millis(6));
    assert_eq!(got[1].size, 20);
}

#[test]
fn wikimedia_2019_tsv() {
    let dir = tempfile::tempdir().unwrap();
    let text = "relative_unix\thashed_path_query\timage_type\tresponse_size\ttime_firstbyte\n\
                0\t-8012345678901234567\tjpeg\t32000\t0.000123\n\
                1\t4242\tpng\t1200\t0.02\n";
    let path = write(dir.path(), "cache-u.tsv", text.as_bytes());
    let got = trace::read_all(&path, &TraceFormat::by_name("wiki2019").unwrap()).unwrap();
    assert_eq!(
        got,
        vec![
            req(0, (-8012345678901234567i64) as u64, 32000),
            req(1, 4242, 1200)
        ]
    );
}

#[test]
fn webcachesim_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "w.tr", b"1 5 100 3 4\n2  6 200\n3 -1 50\n");
    let got = trace::read_all(&path, &TraceFormat::from_path(&path).unwrap()).unwrap();
    assert_eq!(
        got,
        vec![req(1, 5, 100), req(2, 6, 200), req(3, u64::MAX, 50)]
    );
}

#[test]
fn gzip_and_zstd_read_like_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let plain = std::fs::read(golden_csv()).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).unwrap();
    let gz_path = write(dir.path(), "t.csv.gz", &gz.finish().unwrap());
    let zst_path = write(
        dir.path(),
        "t.csv.zst",
        &zstd::encode_all(&plain[..], 3).unwrap(),
    );
    let csv = TraceFormat::by_name("csv").unwrap();
    let expected = trace::read_all(&golden_csv(), &csv).unwrap();
    assert_eq!(expected.len(), 3918);
    assert_eq!(
        trace::read_all(&gz_path, &TraceFormat::from_path(&gz_path).unwrap()).unwrap(),
        expected
    );
    assert_eq!(
        trace::read_all(&zst_path, &TraceFormat::from_path(&zst_path).unwrap()).unwrap(),
        expected
    );
}

#[test]
fn oracle_general_reads_what_the_csv_holds() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/replay");
    let from_csv = trace::read_all(&golden_csv(), &TraceFormat::by_name("csv").unwrap()).unwrap();
    for name in ["zipf_sizes.oracleGeneral", "converted.oracleGeneral"] {
        let from_bin = trace::read_all(&data.join(name), &TraceFormat::OracleGeneral).unwrap();
        assert_eq!(from_bin, from_csv, "{name}");
    }
}

#[test]
fn writers_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let requests = trace::read_all(&golden_csv(), &TraceFormat::by_name("csv").unwrap()).unwrap();
    let csv_path = dir.path().join("out.csv");
    let mut w = CsvTraceWriter::create(&csv_path, TimeUnit::Seconds).unwrap();
    let bin_path = dir.path().join("out.oracleGeneral");
    let mut b = OracleGeneralWriter::create(&bin_path, TimeUnit::Seconds).unwrap();
    for r in &requests {
        w.write(r).unwrap();
        b.write(r).unwrap();
    }
    assert!(
        !csv_path.exists(),
        "nothing under the final name before finish"
    );
    w.finish().unwrap();
    b.finish().unwrap();
    assert_eq!(
        trace::read_all(&csv_path, &TraceFormat::from_path(&csv_path).unwrap()).unwrap(),
        requests
    );
    assert_eq!(
        trace::read_all(&bin_path, &TraceFormat::OracleGeneral).unwrap(),
        requests
    );
}

#[test]
fn oracle_writer_patches_records_far_behind() {
    // More records than the writer buffers, so next_access_vtime patches go to the file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.oracleGeneral");
    let mut w = OracleGeneralWriter::create(&path, TimeUnit::Seconds).unwrap();
    let n = 200_000u64;
    for i in 0..n {
        w.write(&req(i, i % 70_001, 10)).unwrap();
    }
    w.finish().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len() as u64, n * 24);
    for i in [0u64, 5, 70_000, 129_998, 130_000, 199_999] {
        let at = i as usize * 24 + 16;
        let next = i64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
        let expected = if i + 70_001 < n {
            (i + 70_001 + 1) as i64
        } else {
            -1
        };
        assert_eq!(next, expected, "record {i}");
    }
}

#[test]
fn explicit_options_override_detection() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "t.csv", b"10,abc\n11,abd\n");
    let mut options = TextOptions::csv();
    options.header = Header::Absent;
    options.time = Some(Column::Index(1));
    options.id = Column::Index(2);
    options.size = None;
    options.id_kind = IdKind::Hashed;
    let got = trace::read_all(&path, &TraceFormat::Text(options)).unwrap();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|r| r.size == 1));
}

#[test]
fn writer_by_file_name_and_millisecond_csv() {
    let dir = tempfile::tempdir().unwrap();
    let r = Request {
        time: SimTime::from_millis(1500),
        id: 3,
        size: 9,
    };
    let csv_path = dir.path().join("rec.csv");
    let mut w = edgesim::workload::trace::TraceWriter::create(&csv_path, TimeUnit::Millis).unwrap();
    w.write(&r).unwrap();
    w.finish().unwrap();
    assert_eq!(
        std::fs::read_to_string(&csv_path).unwrap(),
        "timestamp,obj_id,size\n1500,3,9\n"
    );
    let bin_path = dir.path().join("rec.oracleGeneral");
    let mut w = edgesim::workload::trace::TraceWriter::create(&bin_path, TimeUnit::Millis).unwrap();
    w.write(&r).unwrap();
    w.finish().unwrap();
    let back = trace::read_all(&bin_path, &TraceFormat::OracleGeneral).unwrap();
    assert_eq!(
        back,
        vec![req(1, 3, 9)],
        "oracleGeneral keeps whole seconds"
    );
    let err = edgesim::workload::trace::TraceWriter::create(
        &dir.path().join("rec.parquet"),
        TimeUnit::Millis,
    );
    assert_eq!(err.err().unwrap().exit_code(), 2);
}
