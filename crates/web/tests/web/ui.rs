//! Pages over HTTP: language choice, the registry list, errors as pages.

use crate::support::{spawn_app, CSRF};
use mamori_domain::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn language_follows_the_users_choice_then_accept_language() {
    let app = spawn_app().await;
    let en = app
        .client
        .get(app.url("/login"))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert!(en.text().await.unwrap().contains("<html lang=\"en\">"));
    let ja = app
        .client
        .get(app.url("/login"))
        .header("accept-language", "ja")
        .send()
        .await
        .unwrap();
    let page = ja.text().await.unwrap();
    assert!(page.contains("<html lang=\"ja\">") && page.contains("ログイン"));
    let res = app
        .post_form("/lang", None, &[("lang", "en"), ("next", "/login")])
        .await;
    assert_eq!(res.status(), 303);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("mamori_lang=en"))
        .unwrap();
    assert!(cookie.contains("SameSite=Strict"));
    let chosen = app
        .client
        .get(app.url("/login"))
        .header("accept-language", "ja")
        .header("cookie", format!("mamori_lang=en; mamori_csrf={CSRF}"))
        .send()
        .await
        .unwrap();
    assert!(
        chosen.text().await.unwrap().contains("<html lang=\"en\">"),
        "the choice must beat the header"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_require_sign_in_and_errors_render_as_pages() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/registry?sector=shinkin"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/login?next=%2Fregistry%3Fsector%3Dshinkin"
    );
    let session = app.session(Role::InstitutionMember).await;
    let res = app
        .get_with_session(&format!("/registry/{}", app.other), &session)
        .await;
    assert_eq!(res.status(), 404);
    let page = res.text().await.unwrap();
    assert!(page.contains("<main") && page.contains("role=\"alert\""));
    let res = app
        .get_with_session("/registry?sector=bank", &session)
        .await;
    assert_eq!(res.status(), 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_page_lists_filters_and_marks_unbuilt_capabilities() {
    let app = spawn_app().await;
    let session = app.session(Role::BureauSupervisor).await;
    let page = app
        .get_with_session("/registry?sector=shinkin", &session)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Third Shinkin") || page.contains("Third Shinkin（試験）"));
    assert!(
        !page.contains("Other Shinkin"),
        "a Kinki institution leaked to Kanto"
    );
    assert!(!page.contains("Own Bank"), "the sector filter was ignored");
    for path in ["/surveys", "/outsourcing", "/exercises"] {
        let p = app
            .get_with_session(path, &session)
            .await
            .text()
            .await
            .unwrap();
        assert!(
            p.contains("未実装") || p.contains("Not built yet"),
            "{path} does not say it is not built"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ui_csv_import_validates_the_whole_file() {
    let app = spawn_app().await;
    let session = app.session(Role::FsaSupervisor).await;
    let upload = |name: &'static str, body: &'static str| {
        let part = reqwest::multipart::Part::bytes(body.as_bytes().to_vec()).file_name(name);
        let form = reqwest::multipart::Form::new().part("file", part);
        app.client
            .post(app.url(&format!("/registry/import?csrf={CSRF}")))
            .header(
                "cookie",
                format!("mamori_session={session}; mamori_csrf={CSRF}"),
            )
            .multipart(form)
            .send()
    };
    let header = "code,name_ja,name_en,sector,size_tier,bureau,prefecture,group_name,isac_membership,require_totp\n";
    let good: &'static str = Box::leak(
        format!("{header}UI-1,画面銀行,Screen Bank,regional_bank,small,kanto,tokyo,,none,false\n")
            .into_boxed_str(),
    );
    let bad: &'static str = Box::leak(
        format!("{header}UI-2,,Screen Bank,regional_bank,small,kanto,tokyo,,none,false\n")
            .into_boxed_str(),
    );
    let res = upload("bad.csv", bad).await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("2"));
    let res = upload("registry.xlsx", good).await.unwrap();
    assert_eq!(res.status(), 415);
    let res = upload("good.csv", good).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("import-result"));
}
