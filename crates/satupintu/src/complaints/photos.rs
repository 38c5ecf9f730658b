//! Photos of complaints: cleaned of the camera's location (unless the reporter keeps it),
//! stored under their SHA-256 like application documents, shown publicly only with a
//! report that is not confidential, and to the officers handling it.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sqlx::Row;

use crate::app::AppState;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::identity::roles::Officer;
use crate::services::attachments;
use crate::web::extract::Path;
use satupintu_rules::photo::{self, PhotoError};

/// A photo cleaned and stored, ready to be attached to a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredPhoto {
    /// Its content hash.
    pub sha256: String,
    /// `image/jpeg` or `image/png`.
    pub media_type: String,
    /// Its size.
    pub size_bytes: i64,
    /// Whether the reporter kept the location the camera wrote into it.
    pub location_kept: bool,
}

/// Cleans a photo as the reporter chose and stores it; with the position it carried, when
/// kept.
pub async fn store(
    state: &AppState,
    bytes: &[u8],
    keep_location: bool,
) -> AppResult<Result<(StoredPhoto, Option<(f64, f64)>), PhotoError>> {
    let cleaned = match photo::clean(bytes, keep_location) {
        Ok(cleaned) => cleaned,
        Err(refused) => return Ok(Err(refused)),
    };
    let size_bytes = i64::try_from(cleaned.bytes.len()).unwrap_or(i64::MAX);
    let sha256 = attachments::store_content(&state.data_dir, cleaned.bytes.into()).await?;
    let stored = StoredPhoto {
        sha256,
        media_type: cleaned.kind.media_type().to_string(),
        size_bytes,
        location_kept: keep_location,
    };
    Ok(Ok((stored, cleaned.location)))
}

fn signed_text(photo: &StoredPhoto) -> String {
    format!(
        "complaint-photo:{}:{}:{}:{}",
        photo.sha256, photo.media_type, photo.size_bytes, photo.location_kept
    )
}

/// A stored photo as a form carries it between its pages (after an error, or past the
/// similar reports), signed so that a form can only name photos this site stored for it.
pub fn carried(state: &AppState, photo: &StoredPhoto) -> String {
    let kind = if photo.media_type == "image/png" { "png" } else { "jpg" };
    let token = state.csrf_key.token_for(&signed_text(photo));
    format!("{}.{kind}.{}.{}.{token}", photo.sha256, photo.size_bytes, u8::from(photo.location_kept))
}

/// The photos a form carries, each checked against its signature; a forged or damaged one
/// is left out.
pub fn from_carried(state: &AppState, carried: &str) -> Vec<StoredPhoto> {
    carried
        .split_whitespace()
        .filter_map(|one| {
            let mut parts = one.splitn(5, '.');
            let sha256 = parts.next()?.to_string();
            let media_type = match parts.next()? {
                "png" => "image/png",
                "jpg" => "image/jpeg",
                _ => return None,
            }
            .to_string();
            let size_bytes = parts.next()?.parse().ok()?;
            let location_kept = parts.next()? == "1";
            let photo = StoredPhoto { sha256, media_type, size_bytes, location_kept };
            state.csrf_key.verify(&signed_text(&photo), parts.next()?).then_some(photo)
        })
        .take(photo::MAX_PHOTOS)
        .collect()
}

/// Attaches photos to a report just filed, in the filing transaction.
pub async fn attach(tx: &mut Tx, complaint_id: i64, photos: &[StoredPhoto]) -> anyhow::Result<()> {
    for (position, photo) in (1_i64..).zip(photos) {
        sqlx::query(
            "INSERT INTO complaint_photos (complaint_id, position, sha256, media_type, size_bytes, location_kept) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(complaint_id)
        .bind(position)
        .bind(&photo.sha256)
        .bind(&photo.media_type)
        .bind(photo.size_bytes)
        .bind(i64::from(photo.location_kept))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A report's photos, in the order given.
pub async fn of_complaint(db: &Db, complaint_id: i64) -> anyhow::Result<Vec<StoredPhoto>> {
    let rows = sqlx::query(
        "SELECT sha256, media_type, size_bytes, location_kept FROM complaint_photos \
         WHERE complaint_id = $1 ORDER BY position",
    )
    .bind(complaint_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(StoredPhoto {
                sha256: row.try_get("sha256")?,
                media_type: row.try_get("media_type")?,
                size_bytes: row.try_get("size_bytes")?,
                location_kept: row.try_get::<i64, _>("location_kept")? != 0,
            })
        })
        .collect()
}

/// A photo's position on its page ("1", "2", …), or not found.
fn position_of(text: &str) -> AppResult<usize> {
    text.parse::<usize>().ok().filter(|n| (1..=photo::MAX_PHOTOS).contains(n)).ok_or(AppError::NotFound)
}

async fn serve(state: &AppState, complaint_id: i64, position: &str, public: bool) -> AppResult<Response> {
    let position = position_of(position)?;
    let photos = of_complaint(&state.db, complaint_id).await?;
    let photo = photos.get(position - 1).ok_or(AppError::NotFound)?;
    let bytes = attachments::read_content(&state.data_dir, &photo.sha256).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&photo.media_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
    // A stored photo never changes; a public one may be kept by any cache.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if public {
            "public, max-age=86400, immutable"
        } else {
            "private, no-store"
        }),
    );
    Ok(response)
}

/// `GET /pengaduan/{id}/foto/{n}`: a photo of a public report; a confidential report's
/// photos are not found here.
pub async fn public_photo(
    State(state): State<AppState>,
    Path((id, position)): Path<(String, String)>,
) -> AppResult<Response> {
    let complaint = crate::complaints::routes::public_complaint(&state, &id).await?;
    serve(&state, complaint.id, &position, true).await
}

/// `GET /admin/pengaduan/{id}/foto/{n}`: a photo for the officers handling the report.
pub async fn officer_photo(
    State(state): State<AppState>,
    officer: Officer,
    Path((id, position)): Path<(String, String)>,
) -> AppResult<Response> {
    let complaint = crate::complaints::admin::scoped(&state, &officer, &id).await?;
    serve(&state, complaint.id, &position, false).await
}

/// The error text for a refused photo.
pub fn refusal_text(lang: crate::i18n::Lang, refused: PhotoError) -> String {
    match refused {
        PhotoError::Empty => lang.t("complaint-photo-empty"),
        PhotoError::TooLarge { max } => {
            lang.t_args("complaint-photo-too-large", &[("max", (max / (1024 * 1024)).to_string())])
        }
        PhotoError::NotAPhoto => lang.t("complaint-photo-type"),
        PhotoError::Damaged => lang.t("complaint-photo-damaged"),
    }
}
