//! Renders the fixture's HTML report in headless Chromium: the screenshot must be a real,
//! non-blank PNG of the window's size, and the DOM must hold the charts.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use cadence_health::render_html;

const CHROMIUM: &str = "/usr/bin/chromium";
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 2400;

fn chromium(profile: &Path, args: &[String]) -> std::process::Output {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} not found: this test needs Debian's Chromium; install it with \
         `apt-get install chromium`"
    );
    Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium runs")
}

/// Decodes the PNG and counts distinct colours in a sample of its pixels.
fn png_size_and_colours(path: &Path) -> (u32, u32, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let channels = info.color_type.samples();
    let mut colours: Vec<&[u8]> = pixels[..info.buffer_size()]
        .chunks(channels)
        .step_by(97)
        .collect();
    colours.sort_unstable();
    colours.dedup();
    (info.width, info.height, colours.len())
}

#[test]
fn html_report_renders_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("health.html");
    let mut file = std::fs::File::create(&html).unwrap();
    render_html(&common::fixture_report(), &mut file).unwrap();
    drop(file);
    let url = format!("file://{}", html.display());

    let png = dir.path().join("health.png");
    let shot = chromium(
        &dir.path().join("profile-shot"),
        &[
            format!("--window-size={WIDTH},{HEIGHT}"),
            format!("--screenshot={}", png.display()),
            url.clone(),
        ],
    );
    assert!(
        png.exists(),
        "no screenshot; chromium said: {}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let (width, height, colours) = png_size_and_colours(&png);
    assert_eq!((width, height), (WIDTH, HEIGHT));
    assert!(
        colours > 20,
        "the screenshot looks blank ({colours} colours)"
    );
    if let Some(keep) = std::env::var_os("CADENCE_HEALTH_SCREENSHOT") {
        std::fs::copy(&png, PathBuf::from(keep)).unwrap();
    }

    let dump = chromium(
        &dir.path().join("profile-dom"),
        &["--dump-dom".to_owned(), url],
    );
    let dom = String::from_utf8(dump.stdout).unwrap();
    for id in ["label-mix", "weekly-trend", "silence-timeline"] {
        assert!(
            dom.contains(&format!("<svg id=\"{id}\"")),
            "no {id} chart in the DOM"
        );
    }
    assert!(dom.matches("class=\"bar ").count() >= 2 * 9, "stacked bars");
    assert_eq!(
        dom.matches("class=\"trend ").count(),
        5,
        "one trend line per label"
    );
    assert!(
        dom.contains("class=\"dark\""),
        "a dark episode on the timeline"
    );
    assert!(dom.contains("<table id=\"review\">"), "the review table");
    assert_eq!(dom.matches("class=\"confidence\"").count(), 8);
}
