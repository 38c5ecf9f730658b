//! The transparency API: signed tree heads, the public key, the entries and RFC 6962
//! proofs, so anyone can check that the log was only ever appended to.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::audit::store;
use crate::error::{AppError, AppResult, ParamProblem};
use crate::web::extract::Query;
use crate::web::problem::Problem;
use satupintu_audit::{consistency_proof, inclusion_proof, to_base64};

/// A signed tree head.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedTreeHead {
    /// Entries covered.
    pub tree_size: u64,
    /// RFC 6962 root hash over those entries, base64.
    pub root_hash: String,
    /// When it was signed, milliseconds since the Unix epoch (UTC).
    pub timestamp: u64,
    /// Ed25519 signature over the bytes described in `docs/audit.md`, base64.
    pub signature: String,
    /// Which key signed it (see `/api/v1/transparency/key`).
    pub key_id: String,
}

/// The newest signed tree head; a new one is signed when entries were appended since.
#[utoipa::path(get, path = "/api/v1/transparency/sth", tag = "transparency",
    responses((status = 200, body = SignedTreeHead),
        (status = 404, description = "The log is still empty", body = Problem, content_type = "application/problem+json")))]
pub async fn tree_head(State(state): State<AppState>) -> AppResult<Json<SignedTreeHead>> {
    let head = store::sign_tree_head(&state.db, &state.audit_key).await?;
    let head = match head {
        Some(head) => head,
        None => return Err(AppError::NotFound),
    };
    Ok(Json(SignedTreeHead {
        tree_size: head.head.tree_size,
        root_hash: to_base64(&head.head.root_hash),
        timestamp: head.head.timestamp_ms,
        signature: to_base64(&head.signature),
        key_id: head.key_id,
    }))
}

/// The public key that signs tree heads.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicKey {
    /// `Ed25519`.
    pub algorithm: &'static str,
    /// The first 8 bytes of SHA-256 of the public key, hex.
    pub key_id: String,
    /// The 32-byte public key, base64.
    pub public_key: String,
}

/// The public key that signs tree heads.
#[utoipa::path(get, path = "/api/v1/transparency/key", tag = "transparency",
    responses((status = 200, body = PublicKey)))]
pub async fn public_key(State(state): State<AppState>) -> Json<PublicKey> {
    Json(PublicKey {
        algorithm: "Ed25519",
        key_id: state.audit_key.key_id(),
        public_key: to_base64(&state.audit_key.public_key_bytes()),
    })
}

/// Query of the entries.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    /// First index, inclusive.
    start: i64,
    /// Last index, exclusive; at most 1,000 entries per request.
    end: i64,
}

/// One entry of the log.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogEntry {
    /// Its index.
    pub leaf_index: i64,
    /// The exact bytes hashed into the tree (canonical JSON), base64.
    pub leaf: String,
}

/// Entries of the log.
#[derive(Debug, Serialize, ToSchema)]
pub struct Entries {
    /// The entries, in order.
    pub entries: Vec<LogEntry>,
}

/// Most entries one request returns.
const MAX_ENTRIES: i64 = 1_000;

/// Entries `start` to `end` (exclusive).
#[utoipa::path(get, path = "/api/v1/transparency/entries", tag = "transparency", params(EntriesQuery),
    responses(
        (status = 200, body = Entries),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn entries(
    State(state): State<AppState>,
    Query(q): Query<EntriesQuery>,
) -> AppResult<Json<Entries>> {
    if q.start < 0 {
        return Err(out_of_range("start", 0, i64::MAX));
    }
    if q.end <= q.start || q.end - q.start > MAX_ENTRIES {
        return Err(out_of_range("end", q.start.saturating_add(1), q.start.saturating_add(MAX_ENTRIES)));
    }
    let leaves = store::leaves(&state.db, q.start, q.end).await?;
    Ok(Json(Entries {
        entries: leaves
            .into_iter()
            .map(|(leaf_index, leaf)| LogEntry { leaf_index, leaf: to_base64(&leaf) })
            .collect(),
    }))
}

fn out_of_range(name: &str, min: i64, max: i64) -> AppError {
    AppError::InvalidParameter { name: name.into(), problem: ParamProblem::OutOfRange { min, max } }
}

/// The size of the newest signed tree head: proofs are given against signed heads only. A
/// log that has entries but no head yet gets one, as `/sth` would sign it.
async fn signed_size(state: &AppState) -> AppResult<i64> {
    let head = match store::latest_tree_head(&state.db).await? {
        Some(head) => Some(head),
        None => store::sign_tree_head(&state.db, &state.audit_key).await?,
    };
    // An empty log proves nothing: every size asked about is out of range.
    let size = head.map_or(0, |h| h.head.tree_size);
    Ok(i64::try_from(size).map_err(anyhow::Error::from)?)
}

/// Query of an inclusion proof.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// The entry.
    leaf_index: i64,
    /// The tree size of a signed tree head.
    tree_size: i64,
}

/// An RFC 6962 audit path.
#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionProof {
    /// The entry.
    pub leaf_index: i64,
    /// The tree size.
    pub tree_size: i64,
    /// Sibling hashes from the leaf up, base64.
    pub audit_path: Vec<String>,
}

/// The audit path proving that an entry is in the tree of a given size.
#[utoipa::path(get, path = "/api/v1/transparency/proof/inclusion", tag = "transparency", params(InclusionQuery),
    responses(
        (status = 200, body = InclusionProof),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn inclusion(
    State(state): State<AppState>,
    Query(q): Query<InclusionQuery>,
) -> AppResult<Json<InclusionProof>> {
    let signed = signed_size(&state).await?;
    if !(1..=signed).contains(&q.tree_size) {
        return Err(out_of_range("tree_size", 1, signed));
    }
    if !(0..q.tree_size).contains(&q.leaf_index) {
        return Err(out_of_range("leaf_index", 0, q.tree_size - 1));
    }
    let hashes = store::leaf_hashes(&state.db, q.tree_size).await?;
    let path = inclusion_proof(&hashes, u64::try_from(q.leaf_index).map_err(anyhow::Error::from)?)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("inclusion proof")))?;
    Ok(Json(InclusionProof {
        leaf_index: q.leaf_index,
        tree_size: q.tree_size,
        audit_path: path.iter().map(|h| to_base64(h)).collect(),
    }))
}

/// Query of a consistency proof.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The smaller tree size.
    first: i64,
    /// The larger tree size (of a signed tree head).
    second: i64,
}

/// An RFC 6962 consistency proof.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyProof {
    /// The smaller tree size.
    pub first: i64,
    /// The larger tree size.
    pub second: i64,
    /// The proof's hashes, base64.
    pub consistency: Vec<String>,
}

/// The proof that the tree of size `first` is a prefix of the tree of size `second`.
#[utoipa::path(get, path = "/api/v1/transparency/proof/consistency", tag = "transparency", params(ConsistencyQuery),
    responses(
        (status = 200, body = ConsistencyProof),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn consistency(
    State(state): State<AppState>,
    Query(q): Query<ConsistencyQuery>,
) -> AppResult<Json<ConsistencyProof>> {
    let signed = signed_size(&state).await?;
    if !(1..=signed).contains(&q.second) {
        return Err(out_of_range("second", 1, signed));
    }
    if !(1..=q.second).contains(&q.first) {
        return Err(out_of_range("first", 1, q.second));
    }
    let hashes = store::leaf_hashes(&state.db, q.second).await?;
    let proof = consistency_proof(&hashes, u64::try_from(q.first).map_err(anyhow::Error::from)?)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("consistency proof")))?;
    Ok(Json(ConsistencyProof {
        first: q.first,
        second: q.second,
        consistency: proof.iter().map(|h| to_base64(h)).collect(),
    }))
}
