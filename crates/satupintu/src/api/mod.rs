//! Conventions of the JSON API (`/api/v1`): list envelopes, cursor pagination, the
//! OpenAPI document and its browsable page. See `docs/api.md`.

mod docs;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::error::{AppError, AppResult, ParamProblem};

pub use docs::{docs_page, openapi_document, openapi_json};

/// A page of a list, with the cursor of the next page.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListPage<T> {
    /// The items of this page.
    pub data: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Items per page when the client does not say.
pub const DEFAULT_LIMIT: i64 = 20;
/// Most items per page.
pub const MAX_LIMIT: i64 = 100;

/// Checks the `limit` parameter.
pub fn limit(value: Option<i64>) -> AppResult<i64> {
    let limit = value.unwrap_or(DEFAULT_LIMIT);
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        Err(AppError::InvalidParameter {
            name: "limit".into(),
            problem: ParamProblem::OutOfRange { min: 1, max: MAX_LIMIT },
        })
    }
}

/// An opaque position in a list: which list it belongs to, a sort key and an id.
/// Clients must not build cursors; a cursor from another list is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// The sort key of the last item returned.
    pub key: i64,
    /// The id of the last item returned.
    pub id: i64,
}

impl Cursor {
    /// Encodes a cursor for the list named `list`.
    pub fn encode(list: &str, key: i64, id: i64) -> String {
        URL_SAFE_NO_PAD.encode(format!("{list}:{key}:{id}"))
    }

    /// Decodes a cursor issued for the list named `list`.
    pub fn decode(list: &str, value: &str) -> AppResult<Self> {
        let invalid =
            || AppError::InvalidParameter { name: "cursor".into(), problem: ParamProblem::InvalidCursor };
        if value.len() > 128 {
            return Err(invalid());
        }
        let bytes = URL_SAFE_NO_PAD.decode(value).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let mut parts = text.split(':');
        let (Some(name), Some(key), Some(id), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let key: i64 = key.parse().map_err(|_| invalid())?;
        let id: i64 = id.parse().map_err(|_| invalid())?;
        if name != list || key < 0 || id < 0 {
            return Err(invalid());
        }
        Ok(Self { key, id })
    }

    /// Decodes an optional cursor; `None` starts at the beginning.
    pub fn decode_opt(list: &str, value: Option<&str>) -> AppResult<Option<Self>> {
        value.filter(|v| !v.is_empty()).map(|v| Self::decode(list, v)).transpose()
    }
}

/// Makes a list page from `limit + 1` fetched items: the extra one only tells that another
/// page exists.
pub fn page_of<T, P>(
    mut rows: Vec<(P, T)>,
    limit: i64,
    list: &str,
    cursor: impl Fn(&P) -> (i64, i64),
) -> ListPage<T> {
    let has_more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = if has_more {
        rows.last().map(|(position, _)| {
            let (key, id) = cursor(position);
            Cursor::encode(list, key, id)
        })
    } else {
        None
    };
    ListPage { data: rows.into_iter().map(|(_, item)| item).collect(), next_cursor }
}

/// The OpenAPI document of the API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Satu Pintu API",
        description = "Public read API of the Satu Pintu portal: news, regulations, agencies, \
                       services, regions and search. Errors are RFC 9457 problem+json; lists use \
                       cursor pagination; every list and record supports conditional GET (ETag).",
        license(name = "Apache-2.0 OR MIT")
    ),
    paths(
        crate::portal::api::installation,
        crate::portal::api::news_list,
        crate::portal::api::news_detail,
        crate::portal::api::regulation_list,
        crate::portal::api::regulation_detail,
        crate::portal::api::agency_list,
        crate::portal::api::agency_detail,
        crate::portal::api::service_list,
        crate::portal::api::service_detail,
        crate::portal::api::service_definition,
        crate::portal::api::faq_list,
        crate::portal::api::page_detail,
        crate::portal::api::search,
        crate::calendar::api_holidays,
        crate::services::api::create,
        crate::services::api::detail,
        crate::services::api::act,
        crate::services::api::put_attachment,
        crate::services::api::submit,
        crate::services::verify::api_by_code,
        crate::services::verify::api_check_file,
        crate::regions::routes::api_region_list,
        crate::regions::routes::api_region_detail,
        crate::audit::routes::tree_head,
        crate::audit::routes::public_key,
        crate::audit::routes::entries,
        crate::audit::routes::inclusion,
        crate::audit::routes::consistency,
        crate::identity::officer::api_token,
        crate::identity::officer::api_revoke_token,
        crate::identity::officer::api_me,
        crate::identity::officer::api_citizen,
        crate::identity::business::api_list,
    ),
    components(schemas(crate::web::problem::Problem)),
    modifiers(&BearerTokens),
    tags(
        (name = "portal", description = "Public information: news, regulations, FAQ, pages, search"),
        (name = "directory", description = "Agencies and the service catalogue"),
        (name = "regions", description = "Kemendagri administrative regions"),
        (name = "transparency", description = "The tamper-evident audit log: signed tree heads, entries, RFC 6962 proofs"),
        (name = "identity", description = "API tokens, one's own data, and officers' scoped reads of citizens' records"),
        (name = "services", description = "Applications for public services: submit (idempotent) and follow"),
        (name = "documents", description = "Issued documents: check one by its code or by the file itself")
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` scheme that token-protected operations name.
struct BearerTokens;

impl utoipa::Modify for BearerTokens {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_is_bound_to_its_list() {
        let encoded = Cursor::encode("news", 1_700_000_000, 42);
        assert_eq!(Cursor::decode("news", &encoded).ok(), Some(Cursor { key: 1_700_000_000, id: 42 }));
        assert!(Cursor::decode("regulations", &encoded).is_err());
    }

    #[test]
    fn forged_or_negative_cursors_are_refused() {
        for bad in ["", "!!!", "bmV3czotMTox", "bmV3czox", &"A".repeat(500)] {
            assert!(Cursor::decode("news", bad).is_err(), "{bad}");
        }
        let negative = URL_SAFE_NO_PAD.encode("news:-1:5");
        assert!(Cursor::decode("news", &negative).is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_cursor_text_is_decoded_or_refused_without_panicking(text in ".{0,200}") {
            let _ = Cursor::decode("news", &text);
        }

        #[test]
        fn issued_cursors_round_trip(key in 0_i64.., id in 0_i64..) {
            let encoded = Cursor::encode("news", key, id);
            proptest::prop_assert_eq!(Cursor::decode("news", &encoded).ok(), Some(Cursor { key, id }));
        }
    }

    #[test]
    fn limit_must_be_between_one_and_the_maximum() {
        assert_eq!(limit(None).ok(), Some(DEFAULT_LIMIT));
        assert_eq!(limit(Some(100)).ok(), Some(100));
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(101)).is_err());
        assert!(limit(Some(-5)).is_err());
    }

    #[test]
    fn a_page_has_a_cursor_only_when_more_items_exist() {
        let rows: Vec<(i64, i64)> = (1..=3).map(|i| (i, i)).collect();
        let page = page_of(rows.clone(), 2, "x", |p| (0, *p));
        assert_eq!(page.data, vec![1, 2]);
        assert_eq!(page.next_cursor, Some(Cursor::encode("x", 0, 2)));
        let last = page_of(rows, 3, "x", |p| (0, *p));
        assert!(last.next_cursor.is_none());
    }
}
