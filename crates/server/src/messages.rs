//! The server's rows and laps as the protocol's types ([`racecraft_protocol`]): the one place they are
//! converted, for the REST bodies and the live viewers alike.

use racecraft_core::CompletedLap;
use racecraft_protocol::rest::{ChannelInfo, Lap, Session};
use racecraft_store::LapRow;

/// A stored session as the API and the viewers see it; `live` says whether it is receiving data now.
pub(crate) fn session(row: &racecraft_store::Session, live: bool) -> Session {
    Session {
        id: row.id,
        name: row.name.clone(),
        game: row.game.clone(),
        car: row.car.clone(),
        track: row.track.clone(),
        driver: row.driver.clone(),
        started_at_ms: row.started_at_ms,
        ended_at_ms: row.ended_at_ms,
        archived: row.archived,
        lap_count: row.lap_count,
        best_lap_s: row.best_lap_s,
        frame_count: row.frame_count,
        team_id: row.team_id,
        visibility: row.visibility,
        live,
        team: row.team.clone(),
        car_number: row.car_number.clone(),
    }
}

/// A stored lap.
pub(crate) fn stored_lap(row: &LapRow) -> Lap {
    Lap {
        id: Some(row.id),
        session_id: row.session_id,
        lap_number: row.lap_number,
        lap_time_s: row.lap_time_s,
        sectors_s: row.sectors_s.clone(),
        start_t_s: row.start_t_us as f64 * 1e-6,
        frame_count: row.frame_count,
        valid: row.valid,
        out_lap: row.out_lap,
        pit: row.pit,
    }
}

/// A lap completed live, not stored yet (no id).
pub(crate) fn live_lap(session_id: i64, lap: &CompletedLap) -> Lap {
    Lap {
        id: None,
        session_id,
        lap_number: lap.lap_number,
        lap_time_s: lap.lap_time_s,
        sectors_s: lap.sectors_s.clone(),
        start_t_s: lap.start_t_us as f64 * 1e-6,
        frame_count: lap.frame_count,
        valid: lap.valid,
        out_lap: lap.out_lap,
        pit: lap.pit,
    }
}

/// The channel model, with descriptions (`GET /api/channels`) or without (the viewer's hello).
pub(crate) fn channels(with_descriptions: bool) -> Vec<ChannelInfo> {
    racecraft_core::Channel::ALL
        .iter()
        .map(|c| {
            let info = c.info();
            ChannelInfo {
                index: info.index,
                name: info.name.to_string(),
                unit: info.unit.to_string(),
                description: with_descriptions.then(|| info.description.to_string()),
            }
        })
        .collect()
}
