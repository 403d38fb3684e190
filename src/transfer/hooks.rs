//! The response hook: sees each final response (with its history) before it is returned.

use crate::response::{Response, ResponseBox};
use crate::settings::Settings;

/// Shows `response` to the session's hook, if any, and gives it back.
pub fn on_response(settings: &Settings, response: Response) -> Response {
    let Some(hook) = settings.transfer.response_hook else {
        return response;
    };
    let boxed = ResponseBox::new(response);
    hook.call(settings.transfer.session_id, boxed.public());
    boxed.into_response()
}
