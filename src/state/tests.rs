use super::*;

fn cookie(name: &str, domain: &str, expires: Option<i64>) -> CookieRecord {
    CookieRecord {
        name: name.into(),
        value: "v".into(),
        domain: domain.into(),
        path: "/".into(),
        expires,
        secure: true,
        http_only: false,
        host_only: true,
        created: 1,
    }
}

fn file() -> StateFile {
    StateFile {
        libsession_state: 1,
        saved_at: 0,
        cookies: vec![cookie("a", "h.test", None), cookie("b", "h.test", Some(4_000_000_000))],
        hsts: vec![HstsRecord { host: "h.test".into(), include_subdomains: true, expires: 4_000_000_000 }],
    }
}

#[test]
fn round_trip_and_format_pinned() {
    let text = serde_json::to_string(&file()).unwrap();
    assert_eq!(
        text,
        r#"{"libsession_state":1,"saved_at":0,"cookies":[{"name":"a","value":"v","domain":"h.test","path":"/","expires":null,"secure":true,"http_only":false,"host_only":true,"created":1},{"name":"b","value":"v","domain":"h.test","path":"/","expires":4000000000,"secure":true,"http_only":false,"host_only":true,"created":1}],"hsts":[{"host":"h.test","include_subdomains":true,"expires":4000000000}]}"#
    );
    assert_eq!(parse(text.as_bytes()).unwrap(), file());
}

#[test]
fn bad_files_are_refused_whole() {
    let good = serde_json::to_string(&file()).unwrap();
    let mut cases: Vec<String> = vec![
        String::new(),
        good[..good.len() / 2].to_owned(),
        good.replace("\"libsession_state\":1", "\"libsession_state\":2"),
        good.replace("\"libsession_state\":1", "\"libsession_state\":\"1\""),
        good.replace("\"libsession_state\":1,", ""),
        good.replace("\"saved_at\":0", "\"saved_at\":0,\"tls\":[]"),
        good.replace("\"host\":\"h.test\"", "\"host\":\"127.0.0.1\""),
        good.replace("\"host\":\"h.test\"", "\"host\":\"co.uk\""),
        good.replace("\"host\":\"h.test\"", "\"host\":\"H.test\""),
        good.replace("\"name\":\"a\"", "\"name\":\"a;b\""),
        good.replace("\"path\":\"/\"", "\"path\":\"x\""),
        "[]".into(),
    ];
    cases.push(good.replacen("\"secure\":true", "\"secure\":true,\"secure\":false", 1));
    for case in cases {
        let err = parse(case.as_bytes()).unwrap_err();
        assert_eq!(err.code, Code::SESSION_E_DECODE, "{case}");
    }
}
