//! The per-request logic driven through a table exchanger: no network.

use super::*;

#[test]
fn response_url_is_shared_only_while_the_hop_url_matches() {
    let settings = Settings::default();
    let request = Request::new("GET", "http://h.test/a?b=1").unwrap();
    let hop = prepare_to(&settings, &request, &request.url).unwrap();
    let again = prepare_to(&settings, &request, &request.url).unwrap();
    match (response_url(&hop), response_url(&again)) {
        (ResponseUrl::Shared(a), ResponseUrl::Shared(b)) => assert!(Arc::ptr_eq(&a, &b)),
        other => panic!("not shared: {other:?}"),
    }
    let mut with_param = request.clone();
    with_param.add_param("c", Some("2"));
    let hop = prepare_to(&settings, &with_param, &with_param.url).unwrap();
    assert_eq!(response_url(&hop), ResponseUrl::Owned("http://h.test/a?b=1&c=2".into()));
    let next = crate::redirect::next_hop(&hop, 302, url::Url::parse("http://h.test/z").unwrap(), &[]);
    assert_eq!(response_url(&next), ResponseUrl::Owned("http://h.test/z".into()));
}

// ---- the per-request logic through a table exchanger (no network) ----------------------

use crate::exchange::table::Table;
use std::cell::RefCell;

/// Sends `request` on `session` through `table`, as the blocking send does through a lane.
fn send_through(session: &Session, request: &Request, table: &RefCell<Table>) -> Response {
    let mut flow = match Flow::start(session, request) {
        Ok(flow) => flow,
        Err(response) => return *response,
    };
    drive(session, &mut flow, || Ok(table.borrow_mut()))
}

fn header<'a>(seen: &'a crate::exchange::table::Seen, name: &str) -> Option<&'a str> {
    seen.headers.entry(name).flatten()
}

#[test]
fn redirects_are_followed_above_the_seam() {
    let table = RefCell::new(
        Table::default()
            .on("POST", "http://a.test/form", 302, &[("Location", "/next")], "moved")
            .on("GET", "http://a.test/next", 301, &[("Location", "http://b.test/end")], "")
            .on("GET", "http://b.test/end", 200, &[], "done"),
    );
    let session = Session::new();
    session.update(|s| { s.auth = Some(crate::net::Auth::Bearer("t".into())); Ok(()) }).unwrap();
    let mut request = Request::new("POST", "http://a.test/form").unwrap();
    request.set_body(b"x=1", Some("application/x-www-form-urlencoded")).unwrap();
    let response = send_through(&session, &request, &table);
    assert_eq!((response.error.as_ref(), response.status, response.body.as_slice()), (None, 200, &b"done"[..]));
    assert_eq!(response.url, "http://b.test/end");
    assert_eq!(response.history.len(), 2);
    let table = table.borrow();
    assert_eq!(table.urls(), ["POST http://a.test/form", "GET http://a.test/next", "GET http://b.test/end"]);
    // 302 turns POST into GET and drops the body; Authorization stays on the origin only.
    assert_eq!((table.seen[1].body.as_ref(), header(&table.seen[1], "Content-Type")), (None, None));
    assert_eq!(header(&table.seen[1], "Authorization"), Some("Bearer t"));
    assert_eq!(header(&table.seen[2], "Authorization"), None);
    // Each hop's response keeps the request that hop sent.
    let sent: Vec<_> = response.history.iter().chain([&response]).map(|r| &r.sent).collect();
    assert_eq!(sent.iter().map(|s| &*s.method).collect::<Vec<_>>(), ["POST", "GET", "GET"]);
    assert_eq!(sent[0].body.as_deref(), Some(&b"x=1"[..]));
    assert_eq!((sent[1].body.as_ref(), sent[1].headers.entry("Content-Type")), (None, None));
    assert_eq!(sent[1].headers.entry("Authorization"), Some(Some("Bearer t")));
    assert_eq!(sent[2].headers.entry("Authorization"), None);
}

#[test]
fn a_blank_location_or_too_many_redirects_end_the_chain() {
    let table = RefCell::new(
        Table::default()
            .on("GET", "http://a.test/blank", 302, &[("Location", "  ")], "blank")
            .on("GET", "http://a.test/loop", 302, &[("Location", "/loop")], ""),
    );
    let session = Session::new();
    let blank = send_through(&session, &Request::new("GET", "http://a.test/blank").unwrap(), &table);
    assert_eq!((blank.error.as_ref(), blank.status, blank.history.len()), (None, 302, 0));
    session.update(|s| { s.max_redirects = 3; Ok(()) }).unwrap();
    let looped = send_through(&session, &Request::new("GET", "http://a.test/loop").unwrap(), &table);
    assert_eq!(looped.error.map(|e| e.code), Some(Code::SESSION_E_TOO_MANY_REDIRECTS));
    assert_eq!((looped.status, looped.history.len()), (302, 3));
}

#[test]
fn own_cookies_go_along_while_the_host_stays() {
    let table = RefCell::new(
        Table::default()
            .on("GET", "http://a.test/one", 302, &[("Set-Cookie", "sid=1"), ("Location", "/two")], "")
            .on("GET", "http://a.test/two", 302, &[("Location", "http://b.test/")], "")
            .on("GET", "http://b.test/", 200, &[], ""),
    );
    let session = Session::new();
    let mut request = Request::new("GET", "http://a.test/one").unwrap();
    request.add_cookie("mine", "x").unwrap();
    request.add_cookie("sid", "own").unwrap();
    assert!(request.add_cookie("bad;name", "x").is_err());
    let response = send_through(&session, &request, &table);
    let table = table.borrow();
    assert_eq!(header(&table.seen[0], "Cookie"), Some("mine=x; sid=own"));
    assert_eq!(header(&table.seen[1], "Cookie"), Some("mine=x; sid=own"), "over the jar's sid");
    assert_eq!(header(&table.seen[2], "Cookie"), None, "not to another host");
    assert_eq!(response.history[1].sent.headers.entry("Cookie"), Some(Some("mine=x; sid=own")));
    assert_eq!(session.jar().get(&url::Url::parse("http://a.test/").unwrap(), "mine"), None, "never stored");
}

#[test]
fn the_jar_runs_on_every_hop() {
    let table = RefCell::new(
        Table::default()
            .on("GET", "http://a.test/login", 302, &[("Set-Cookie", "sid=1; Path=/"), ("Location", "/home")], "")
            .on("GET", "http://a.test/home", 200, &[("Set-Cookie", "seen=yes")], "home")
            .on("GET", "http://other.test/", 200, &[], ""),
    );
    let session = Session::new();
    send_through(&session, &Request::new("GET", "http://a.test/login").unwrap(), &table);
    send_through(&session, &Request::new("GET", "http://a.test/home").unwrap(), &table);
    send_through(&session, &Request::new("GET", "http://other.test/").unwrap(), &table);
    let table = table.borrow();
    assert_eq!(header(&table.seen[0], "Cookie"), None);
    assert_eq!(header(&table.seen[1], "Cookie"), Some("sid=1"), "set by the redirect, sent on its next hop");
    assert_eq!(header(&table.seen[2], "Cookie"), Some("sid=1; seen=yes"));
    assert_eq!(header(&table.seen[3], "Cookie"), None, "never to another host");
}

#[test]
fn retries_run_the_same_hop_again() {
    let table = RefCell::new(
        Table::default()
            .on("GET", "http://a.test/flaky", 503, &[], "busy")
            .on("GET", "http://a.test/flaky", 503, &[], "busy")
            .on("GET", "http://a.test/flaky", 200, &[], "ok")
            .fail("GET", "http://a.test/down", Code::SESSION_E_CONNECT)
            .on("GET", "http://a.test/down", 200, &[], "up")
            .on("POST", "http://a.test/post", 503, &[], "busy")
            .on("POST", "http://a.test/post", 200, &[], "ok"),
    );
    let session = Session::new();
    session.update(|s| { s.retry.total = 2; s.retry.statuses = vec![503]; Ok(()) }).unwrap();
    let flaky = send_through(&session, &Request::new("GET", "http://a.test/flaky").unwrap(), &table);
    assert_eq!((flaky.status, flaky.body.as_slice()), (200, &b"ok"[..]));
    let down = send_through(&session, &Request::new("GET", "http://a.test/down").unwrap(), &table);
    assert_eq!((down.error.as_ref(), down.status), (None, 200));
    // POST is not among the methods retried by default.
    let post = send_through(&session, &Request::new("POST", "http://a.test/post").unwrap(), &table);
    assert_eq!(post.status, 503);
    assert_eq!(table.borrow().seen.len(), 3 + 2 + 1);
}

#[test]
fn a_batch_goes_through_the_same_seam() {
    let mut table = Table::default()
        .on("GET", "http://a.test/1", 302, &[("Location", "/2"), ("Set-Cookie", "b=1")], "")
        .on("GET", "http://a.test/2", 200, &[], "two")
        .fail("GET", "http://a.test/3", Code::SESSION_E_RESOLVE);
    let session = Session::new();
    let mut driver = crate::parallel::Driver::default();
    for (i, url) in ["http://a.test/1", "http://a.test/3", "http://a.test/2"].iter().enumerate() {
        let request = Request::new("GET", url).unwrap();
        driver.add(Flow::start(&session, &request).map_err(|_| ()).unwrap(), i);
    }
    let mut responses: [Option<Response>; 3] = [None, None, None];
    while !driver.is_idle() {
        driver.step(&session, &mut table, &mut |i, response| responses[i] = Some(response));
    }
    let [first, second, third] = responses.map(Option::unwrap);
    assert_eq!((first.status, first.history.len(), first.body.as_slice()), (200, 1, &b"two"[..]));
    assert_eq!(second.error.map(|e| e.code), Some(Code::SESSION_E_RESOLVE));
    assert_eq!(third.status, 200);
    let cookie_hops = table.seen.iter().filter(|s| header(s, "Cookie") == Some("b=1")).count();
    assert!(cookie_hops >= 1, "the redirect's cookie went with its next hop: {:?}", table.urls());
}
