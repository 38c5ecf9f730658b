//! Public services online: the catalogue of versioned service definitions.

pub mod api;
pub mod applications;
pub mod attachments;
pub mod catalogue;
pub mod documents;
pub mod import;
pub mod routes;
pub mod workbench;

use satupintu_rules::service::FieldProblem;

use crate::i18n::Lang;

/// The message for a refused answer, in the reader's language (web pages and the API alike).
pub fn answer_problem_message(lang: Lang, problem: &FieldProblem) -> String {
    match problem {
        FieldProblem::TooShort { min } => lang.t_args("apply-error-too_short", &[("min", min.to_string())]),
        FieldProblem::TooLong { max } => lang.t_args("apply-error-too_long", &[("max", max.to_string())]),
        FieldProblem::BelowMinimum { min } => {
            lang.t_args("apply-error-below_minimum", &[("min", min.to_string())])
        }
        FieldProblem::AboveMaximum { max } => {
            lang.t_args("apply-error-above_maximum", &[("max", max.to_string())])
        }
        other => lang.t(&format!("apply-error-{}", other.code())),
    }
}
