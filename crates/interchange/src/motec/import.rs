//! MoTeC channels to Racecraft frames: names and display units are converted back to SI here, at the edge.

use racecraft_core::{Channel, Frame, SessionMeta};

use super::{Error, LdFile, Result, ld_name_for};

/// A MoTeC log read as Racecraft frames ([`read_frames`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LdFrames {
    /// Session metadata from the header: game `"motec"`, car = vehicle id, track = venue, driver.
    pub meta: SessionMeta,
    /// One frame per sample of the fastest channel read, from time 0.
    pub frames: Vec<Frame>,
    /// The frames' rate, Hz (0 when no channel was read).
    pub rate_hz: u16,
    /// Channels not read, in file order: no Racecraft equivalent by name and unit, no rate, or values that
    /// do not decode.
    pub unknown_channels: Vec<String>,
}

/// The channels of `ld` that Racecraft knows (by MoTeC name and unit, see [`ld_name_for`]) as frames.
///
/// The grid is the fastest channel's rate and lasts as long as the longest channel (samples / rate); slower
/// channels hold each sample until their next one, and a channel past its last sample is absent. Channels
/// without samples take no part in choosing the grid.
///
/// Bound: a real log's channels cover the same time span, so its grid has about as many frames as its fastest
/// channel has samples. The rates and counts come from the file's headers, though, and one 1 Hz channel of a
/// million samples beside one 65 535 Hz channel of one sample would ask for 6.5·10¹⁰ frames. A grid of more
/// frames than the channels read have samples in total is refused with [`Error::FramesExceedSamples`] before
/// anything is allocated; [`LdFile::read`] already bounds the samples by the file's length (at least 2 bytes
/// each), so the frames are at most half the file's byte count.
pub fn read_frames(ld: &LdFile) -> Result<LdFrames> {
    let mut mapped = Vec::new();
    let mut unknown_channels = Vec::new();
    for meta in &ld.channels {
        let known = Channel::ALL.iter().copied().find(|c| {
            let (name, _, unit, _) = ld_name_for(*c);
            name.eq_ignore_ascii_case(&meta.name) && unit.eq_ignore_ascii_case(&meta.unit)
        });
        match (known, ld.channel_values(meta)) {
            (Some(_), Ok(values)) if meta.rate_hz > 0 && values.is_empty() => {}
            (Some(c), Ok(values)) if meta.rate_hz > 0 => mapped.push((c, meta.rate_hz, values)),
            _ => unknown_channels.push(meta.name.clone()),
        }
    }
    let rate_hz = mapped.iter().map(|(_, r, _)| *r).max().unwrap_or(0);
    let rate = f64::from(rate_hz);
    let duration_s = mapped.iter().map(|(_, r, v)| v.len() as f64 / f64::from(*r)).fold(0.0, f64::max);
    let samples: u64 = mapped.iter().map(|(_, _, v)| v.len() as u64).sum();
    // Finite and at most 2³² samples × 65 535 Hz, so the float holds the count and the comparison is exact
    // enough; it comes before the frames are allocated.
    let n = (duration_s * rate).round();
    if n > samples as f64 {
        return Err(Error::FramesExceedSamples { duration_s, rate_hz, frames: n as u64, samples });
    }
    let n = n as usize;
    let mut frames: Vec<Frame> = (0..n).map(|i| Frame::new((i as f64 / rate * 1e6).round() as i64)).collect();
    for (channel, r, values) in &mapped {
        let factor = ld_name_for(*channel).3;
        let r = f64::from(*r);
        for (i, frame) in frames.iter_mut().enumerate() {
            let k = (i as f64 / rate * r).floor() as usize;
            if let Some(v) = values.get(k) {
                frame.set(*channel, (v / factor) as f32);
            }
        }
    }
    let h = &ld.header;
    let meta = SessionMeta {
        game: "motec".into(),
        car: h.vehicle_id.clone(),
        track: h.venue.clone(),
        driver: h.driver.clone(),
        started_at_ms: 0,
        ..Default::default()
    };
    Ok(LdFrames { meta, frames, rate_hz, unknown_channels })
}
