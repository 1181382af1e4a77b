//! The browser's TypeScript declarations of these types, generated, so a field renamed here breaks the UI's
//! type check instead of the UI at run time. `web/src/lib/protocol.ts` holds the output of [`declarations`];
//! the crate's `typescript` test fails when the file is stale (`RACECRAFT_UPDATE_TS=1` rewrites it).

use ts_rs::{Config, TS};

use crate::rest::{ChannelInfo, Lap, Session};
use crate::viewer::{LapInsight, TyreInsight, ViewerMessage};

/// Every declaration, as one TypeScript module.
pub fn declarations() -> String {
    // Every id and count fits a JS number (ids stay below 2^53), so no `bigint`.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        Session::decl(&cfg),
        Lap::decl(&cfg),
        ChannelInfo::decl(&cfg),
        TyreInsight::decl(&cfg),
        LapInsight::decl(&cfg),
        ViewerMessage::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from crates/protocol (racecraft_protocol::typescript::declarations); do not edit.\n\
         // Regenerate: RACECRAFT_UPDATE_TS=1 cargo test -p racecraft-protocol --test typescript\n\n",
    );
    out.push_str(&format!("export const PROTOCOL_VERSION = {};\n", crate::PROTOCOL_VERSION));
    for decl in decls {
        out.push('\n');
        out.push_str("export ");
        out.push_str(&decl);
        out.push('\n');
    }
    out
}
