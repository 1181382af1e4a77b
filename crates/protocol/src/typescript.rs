//! The browser's TypeScript declarations of these types, generated, so a field renamed here breaks the UI's
//! type check instead of the UI at run time. `web/src/lib/protocol.ts` holds the output of [`declarations`];
//! the crate's `typescript` test fails when the file is stale (`RACECRAFT_UPDATE_TS=1` rewrites it).

use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};

use ts_rs::{Config, TS, TypeVisitor};

use crate::analysis::{LapAnalysis, LapAnalysisQuery, LapCompare, References, SessionAnalysisBody, TrackMap};
use crate::chat::{AskEvent, AskRequest, ChatInfo};
use crate::pitwall::{FieldBody, PitWall, RaceSettings};
use crate::rest::{
    ChannelInfo, Columns, CreateSession, ErrorBody, ExportQuery, Health, Ingested, LapFrames, LapQuery,
    ListSessionsQuery, RecentFrames, RecentQuery, UpdateSession,
};
use crate::team::{
    AddMember, AgentTokenBody, ChangePassword, CreateAgentToken, CreateShareLink, CreatedAgentToken, CreatedShareLink,
    Login, Me, MemberAdded, MemberBody, ShareLinkBody, Shared,
};
use crate::viewer::{ViewerMessage, ViewerQuery};

/// Collects the declaration of every type reachable from the roots, once each.
struct Collect<'a> {
    cfg: &'a Config,
    seen: HashSet<TypeId>,
    /// Name → declaration, so the output is sorted and stable.
    decls: BTreeMap<String, String>,
}

impl TypeVisitor for Collect<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Only named, derived types have a declaration; primitives and containers are visited through.
        if T::output_path().is_none() {
            T::visit_dependencies(self);
            return;
        }
        if !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        self.decls.insert(T::ident(self.cfg), T::decl(self.cfg));
        T::visit_dependencies(self);
    }
}

/// Visits the roots: every message and body the browser sends or reads (not the agent's stream); what they
/// contain follows from them.
fn roots(v: &mut impl TypeVisitor) {
    v.visit::<ViewerMessage>();
    v.visit::<ViewerQuery>();
    v.visit::<ChannelInfo>();
    v.visit::<ErrorBody>();
    v.visit::<Health>();
    v.visit::<ListSessionsQuery>();
    v.visit::<CreateSession>();
    v.visit::<UpdateSession>();
    v.visit::<LapQuery>();
    v.visit::<Columns>();
    v.visit::<LapFrames>();
    v.visit::<RecentQuery>();
    v.visit::<RecentFrames>();
    v.visit::<Ingested>();
    v.visit::<ExportQuery>();
    v.visit::<SessionAnalysisBody>();
    v.visit::<TrackMap>();
    v.visit::<LapAnalysisQuery>();
    v.visit::<LapAnalysis>();
    v.visit::<LapCompare>();
    v.visit::<References>();
    v.visit::<PitWall>();
    v.visit::<FieldBody>();
    v.visit::<RaceSettings>();
    v.visit::<Login>();
    v.visit::<Me>();
    v.visit::<ChangePassword>();
    v.visit::<MemberBody>();
    v.visit::<AddMember>();
    v.visit::<MemberAdded>();
    v.visit::<AgentTokenBody>();
    v.visit::<CreateAgentToken>();
    v.visit::<CreatedAgentToken>();
    v.visit::<ShareLinkBody>();
    v.visit::<CreateShareLink>();
    v.visit::<CreatedShareLink>();
    v.visit::<Shared>();
    v.visit::<ChatInfo>();
    v.visit::<AskRequest>();
    v.visit::<AskEvent>();
}

/// The names of the messages and bodies, each of which `docs/protocol.md` names.
pub fn root_names() -> Vec<String> {
    struct Names(Config, Vec<String>);
    impl TypeVisitor for Names {
        fn visit<T: TS + 'static + ?Sized>(&mut self) {
            self.1.push(T::ident(&self.0));
        }
    }
    let mut names = Names(Config::new(), Vec::new());
    roots(&mut names);
    names.1
}

/// Every declaration, as one TypeScript module.
pub fn declarations() -> String {
    // Every id and count fits a JS number (ids stay below 2^53), so no `bigint`.
    let cfg = Config::new().with_large_int("number");
    let mut all = Collect { cfg: &cfg, seen: HashSet::new(), decls: BTreeMap::new() };
    roots(&mut all);
    let mut out = String::from(
        "// Generated from crates/protocol (racecraft_protocol::typescript::declarations); do not edit.\n\
         // Regenerate: RACECRAFT_UPDATE_TS=1 cargo test -p racecraft-protocol --test typescript\n\n",
    );
    out.push_str(&format!("export const PROTOCOL_VERSION = {};\n", crate::PROTOCOL_VERSION));
    for decl in all.decls.values() {
        out.push('\n');
        out.push_str("export ");
        out.push_str(decl);
        out.push('\n');
    }
    out
}
