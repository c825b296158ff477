//! The projects pages over HTTP, as a browser without JavaScript meets them: creating a project
//! and a task in forms, the board's columns, moving a task with its Move form (what the board's
//! drag and drop sends too), the task page's history and discussion, and the 403 page for what
//! one may not see.

use reqwest::header::CONTENT_TYPE;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::browser::{location, Browser};
use crate::harness::TestServer;

/// The markup of the board's column for `status`, up to the end of its section.
fn column<'p>(page: &'p str, status: &str) -> &'p str {
    let start = page.find(&format!("data-status=\"{status}\"")).unwrap_or_else(|| panic!("a {status} column"));
    let rest = &page[start..];
    &rest[..rest.find("</section>").expect("the column ends")]
}

/// The task page's history list.
fn history(page: &str) -> &str {
    let start = page.find("id=\"history\"").expect("a history list");
    let rest = &page[start..];
    &rest[..rest.find("</ol>").expect("the history ends")]
}

/// The project's tasks, through the API.
async fn tasks_of(client: &crate::harness::Client<'_>, project: i64) -> Vec<Value> {
    let (status, tasks) = client.get(&format!("/api/v1/projects/{project}/tasks")).await;
    assert_eq!(status, StatusCode::OK, "{tasks}");
    tasks.as_array().unwrap().clone()
}

#[tokio::test]
async fn a_project_and_task_made_in_forms_land_on_the_board_and_move_with_the_move_form() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let mut browser = Browser::signed_in(&server, "owner").await;

    let (status, page) = browser.get("/projects").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Create project") && page.contains("name=\"description\""), "{page}");
    let created = browser.post("/projects", &[("name", "Launch"), ("description", "Ship <it>")], None).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let board_path = location(&created).to_string();
    let project: i64 = board_path.strip_prefix("/p/").expect("to the board").parse().unwrap();
    let (_, list) = browser.get("/projects").await;
    assert!(list.contains(&format!("class=\"project\" href=\"/p/{project}\"")), "{list}");
    assert!(list.contains("Ship &lt;it&gt;") && list.contains("0 open · 0 done"), "{list}");

    let bo_id = bo.id.to_string();
    let fields =
        [("title", "Write <b>the</b> plan"), ("assignee", bo_id.as_str()), ("due", "2001-02-03"), ("priority", "high")];
    let added = browser.post(&format!("/p/{project}/tasks"), &fields, None).await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&added), board_path);
    let tasks = tasks_of(&owner, project).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let task = tasks[0]["id"].as_i64().unwrap();
    assert_eq!(tasks[0]["assignee_id"], json!(bo.id));
    assert_eq!((tasks[0]["due"].as_str(), tasks[0]["priority"].as_str()), (Some("2001-02-03"), Some("high")));

    let (status, board) = browser.get(&board_path).await;
    assert_eq!(status, StatusCode::OK);
    let statuses: Vec<usize> = ["todo", "in_progress", "blocked", "done", "cancelled"]
        .iter()
        .map(|s| board.find(&format!("data-status=\"{s}\"")).unwrap_or_else(|| panic!("a {s} column: {board}")))
        .collect();
    assert!(statuses.windows(2).all(|w| w[0] < w[1]), "columns in order: {statuses:?}");
    let todo = column(&board, "todo");
    assert!(todo.contains(&format!("data-task=\"{task}\"")), "{todo}");
    assert!(todo.contains(&format!("class=\"task\" href=\"/tasks/{task}\"")), "{todo}");
    assert!(todo.contains("Write &lt;b&gt;the&lt;/b&gt; plan") && !board.contains("<b>the</b>"), "{todo}");
    assert!(todo.contains("@bo") && todo.contains("2001-02-03") && todo.contains("overdue"), "{todo}");
    assert!(todo.contains(&format!("action=\"/tasks/{task}/status\"")) && todo.contains("Move to"), "{todo}");
    assert!(!column(&board, "in_progress").contains("data-task="), "only in todo");
    assert!(board.contains("<script src=\"/static/board.js\" defer"), "{board}");
    assert!(!board.contains("<script>") && !board.contains("style="), "no inline script or style");
    let script = browser.http.get(server.url("/static/board.js")).send().await.unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert!(script.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/javascript"));
    assert!(script.text().await.unwrap().contains("draggable"));

    // The card's Move form, as a keyboard or the board's script sends it.
    let moved = browser.post(&format!("/tasks/{task}/status"), &[("status", "in_progress")], None).await;
    assert_eq!(moved.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&moved), format!("/p/{project}#task-{task}"));
    let (_, answer) = owner.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(answer["status"], "in_progress", "{answer}");
    let (_, board) = browser.get(&board_path).await;
    assert!(column(&board, "in_progress").contains(&format!("data-task=\"{task}\"")), "{board}");
    assert!(!column(&board, "todo").contains("data-task="), "{board}");
    let (status, page) = browser.get(&format!("/tasks/{task}")).await;
    assert_eq!(status, StatusCode::OK);
    let lines = history(&page);
    assert!(lines.contains("@owner") && lines.contains("created the task"), "{lines}");
    assert!(lines.contains("moved it To do → In progress"), "{lines}");

    // `back` may send the person to a page of this site, never elsewhere.
    let back = format!("/tasks/{task}");
    let moved = browser.post(&back, &[], None).await;
    assert_eq!(moved.status(), StatusCode::UNPROCESSABLE_ENTITY, "the edit form needs its fields");
    let moved = browser.post(&format!("/tasks/{task}/status"), &[("status", "blocked"), ("back", &back)], None).await;
    assert_eq!(location(&moved), back);
    let moved =
        browser.post(&format!("/tasks/{task}/status"), &[("status", "done"), ("back", "//evil.example/x")], None).await;
    assert_eq!(location(&moved), format!("/p/{project}#task-{task}"));
    let (_, answer) = owner.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(answer["status"], "done", "{answer}");
    let (_, list) = browser.get("/projects").await;
    assert!(list.contains("0 open · 1 done"), "{list}");
    let (_, board) = browser.get(&board_path).await;
    assert!(!column(&board, "done").contains("overdue"), "a done task is not overdue: {board}");
}

#[tokio::test]
async fn bad_input_and_forged_forms_change_nothing() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let project = owner.create("/api/v1/projects", json!({"name": "Ops"})).await["id"].as_i64().unwrap();
    let task = owner.create(&format!("/api/v1/projects/{project}/tasks"), json!({"title": "Rotate keys"})).await;
    let task = task["id"].as_i64().unwrap();
    let mut browser = Browser::signed_in(&server, "owner").await;

    let bad = browser.post(&format!("/tasks/{task}/status"), &[("status", "finished")], None).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.unwrap();
    assert!(page.contains("class=\"error\"") && page.contains("status"), "{page}");
    let forged = browser.post(&format!("/tasks/{task}/status"), &[("status", "done")], Some(&"0".repeat(64))).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let (_, answer) = owner.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(answer["status"], "todo", "{answer}");
    let (_, events) = owner.get(&format!("/api/v1/tasks/{task}/history")).await;
    assert_eq!(events.as_array().unwrap().len(), 1, "only created: {events}");

    // The edit form: a date that does not exist, or someone who is no member, is refused and
    // shown again as typed.
    let bad = browser
        .post(
            &format!("/tasks/{task}"),
            &[("status", "blocked"), ("assignee", ""), ("due", "2024-02-30"), ("priority", "urgent")],
            None,
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.unwrap();
    assert!(
        page.contains("class=\"error\"") && page.contains("due") && page.contains("value=\"2024-02-30\""),
        "{page}"
    );
    let bad = browser
        .post(&format!("/tasks/{task}"), &[("status", "todo"), ("assignee", "999"), ("priority", "normal")], None)
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, answer) = owner.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!((answer["status"].as_str(), answer["priority"].as_str()), (Some("todo"), Some("normal")), "{answer}");

    // A new task without a title, and forged new tasks and projects, make nothing.
    let bad = browser.post(&format!("/p/{project}/tasks"), &[("title", "  "), ("due", "2030-01-01")], None).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.unwrap();
    assert!(page.contains("class=\"error\"") && page.contains("value=\"2030-01-01\""), "{page}");
    let forged = browser.post(&format!("/p/{project}/tasks"), &[("title", "Forged")], Some("x")).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(tasks_of(&owner, project).await.len(), 1);
    let bad = browser.post("/projects", &[("name", ""), ("description", "kept")], None).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.unwrap();
    assert!(page.contains("class=\"error\"") && page.contains(">kept</textarea>"), "{page}");
    let forged = browser.post("/projects", &[("name", "Forged")], Some("x")).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let (_, projects) = owner.get("/api/v1/projects").await;
    assert_eq!(projects.as_array().unwrap().len(), 1, "{projects}");
}

#[tokio::test]
async fn a_task_made_through_the_api_shows_on_the_board_with_its_history_and_discussion() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let bo = owner.add_member("bo", "member").await;
    let project = owner.create("/api/v1/projects", json!({"name": "Docs"})).await["id"].as_i64().unwrap();
    let task = bo
        .create(&format!("/api/v1/projects/{project}/tasks"), json!({"title": "Proofread", "status": "blocked"}))
        .await;
    let (task, thread) = (task["id"].as_i64().unwrap(), task["thread_id"].as_i64().unwrap());
    bo.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "Waiting on **legal**"})).await;
    let mut browser = Browser::signed_in(&server, "owner").await;

    let (_, board) = browser.get(&format!("/p/{project}")).await;
    assert!(column(&board, "blocked").contains(&format!("data-task=\"{task}\"")), "{board}");
    assert!(column(&board, "blocked").contains("nobody"), "{board}");

    let owner_id = owner.id.to_string();
    let edited = browser
        .post(
            &format!("/tasks/{task}"),
            &[("status", "blocked"), ("assignee", &owner_id), ("due", "2031-05-06"), ("priority", "urgent")],
            None,
        )
        .await;
    assert_eq!(edited.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&edited), format!("/tasks/{task}"));
    let (_, answer) = owner.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(answer["assignee_id"], json!(owner.id));
    assert_eq!((answer["due"].as_str(), answer["priority"].as_str()), (Some("2031-05-06"), Some("urgent")));

    let (status, page) = browser.get(&format!("/tasks/{task}")).await;
    assert_eq!(status, StatusCode::OK);
    let lines = history(&page);
    assert!(lines.contains("@bo") && lines.contains("created the task in Blocked"), "{lines}");
    assert!(lines.contains("reassigned it nobody → @owner"), "{lines}");
    assert!(lines.contains("moved the due date none → 2031-05-06"), "{lines}");
    assert!(lines.contains("changed the priority to urgent") && lines.contains("<time"), "{lines}");
    assert!(!lines.contains("moved it"), "the status did not change: {lines}");
    assert!(page.contains(&format!("href=\"/t/{thread}\">Open the discussion")), "{page}");
    assert!(page.contains("Waiting on <strong>legal</strong>"), "{page}");
    assert!(page.contains(&format!("action=\"/t/{thread}/messages\"")), "{page}");

    // The reply form posts to the thread, whose page shows it.
    let replied = browser.post(&format!("/t/{thread}/messages"), &[("body", "Legal said yes")], None).await;
    assert_eq!(replied.status(), StatusCode::SEE_OTHER);
    let (_, page) = browser.get(&format!("/tasks/{task}")).await;
    assert!(page.contains("Legal said yes"), "{page}");
}

#[tokio::test]
async fn unknown_projects_and_tasks_and_guests_get_the_403_page() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    owner.add_member("gus", "guest").await;
    let project = owner.create("/api/v1/projects", json!({"name": "Payroll"})).await["id"].as_i64().unwrap();
    let task = owner.create(&format!("/api/v1/projects/{project}/tasks"), json!({"title": "Salaries"})).await;
    let task = task["id"].as_i64().unwrap();

    let mut browser = Browser::signed_in(&server, "owner").await;
    for path in ["/p/999", "/tasks/999"] {
        let (status, page) = browser.get(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.contains("Not available"), "{path}: {page}");
    }
    let moved = browser.post("/tasks/999/status", &[("status", "done")], None).await;
    assert_eq!(moved.status(), StatusCode::FORBIDDEN);

    let mut gus = Browser::signed_in(&server, "gus").await;
    let (status, list) = gus.get("/projects").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!list.contains("Payroll") && !list.contains("Create project"), "{list}");
    for path in [format!("/p/{project}"), format!("/tasks/{task}")] {
        let (status, page) = gus.get(&path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(!page.contains("Payroll") && !page.contains("Salaries"), "{path}: {page}");
    }
    let moved = gus.post(&format!("/tasks/{task}/status"), &[("status", "done")], None).await;
    assert_eq!(moved.status(), StatusCode::FORBIDDEN);
    let created = gus.post("/projects", &[("name", "Mine")], None).await;
    assert_eq!(created.status(), StatusCode::FORBIDDEN);
    let (_, answer) = owner.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(answer["status"], "todo", "{answer}");
    let (_, projects) = owner.get("/api/v1/projects").await;
    assert_eq!(projects.as_array().unwrap().len(), 1, "{projects}");
}
