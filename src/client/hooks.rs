//! The response hook: sees each final response (with its history) before it is returned.

use crate::transfer::Transfer;
use crate::response::{BoxedResponse, Response};
use crate::settings::Settings;

/// Shows `response` to the request's hook, else the session's, if any, and gives it back.
pub fn on_response(settings: &Settings, transfer: &Transfer, response: Response) -> Response {
    let Some(hook) = transfer.response_hook.or(settings.transfer.response_hook) else {
        return response;
    };
    let boxed = BoxedResponse::new(response);
    hook.call(settings.transfer.session_id, boxed.public());
    boxed.into_response()
}
