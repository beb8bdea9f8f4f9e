// Only an initial state (PrimaryAuthed) may be inserted; later states are saved over it.
use mfa_engine::{ChallengePending, FlowStore, LoginFlow, SqliteFlowStore};

async fn sneak_in(store: &SqliteFlowStore, flow: LoginFlow<ChallengePending>) {
    let _ = store.insert_flow(flow).await;
}

fn main() {}
