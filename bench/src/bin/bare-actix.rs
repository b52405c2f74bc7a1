//! The ceiling of the HTTP stack: `GET /protected/` answered by a bare actix-web
//! handler with no authentication, no middleware and a constant body.
//!
//! Run the same way as protected-service (same actix-web, a tokio multi-thread runtime
//! blocking on the server, the same worker count: `TOKENPAIR__WORKERS`, else the cores).
//!
//! ```text
//! bare-actix --bind 127.0.0.1:8080
//! ```

use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::{App, HttpResponse, HttpServer, web};
use std::net::TcpListener;
use std::process::ExitCode;

const BODY: &str = r#"{"content":"This view is protected"}"#;

async fn protected() -> HttpResponse {
    let mut response = HttpResponse::Ok().body(BODY);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn workers() -> usize {
    std::env::var("TOKENPAIR__WORKERS")
        .ok()
        .and_then(|w| w.trim().parse::<usize>().ok())
        .filter(|&w| w > 0)
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bind = match args.as_slice() {
        [flag, bind] if flag == "--bind" => bind.clone(),
        [] => "127.0.0.1:8080".to_owned(),
        _ => {
            eprintln!("usage: bare-actix [--bind HOST:PORT]");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(&bind) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {bind}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let workers = workers();
    let served = runtime.block_on(async move {
        HttpServer::new(|| App::new().route("/protected/", web::get().to(protected)))
            .workers(workers)
            .listen(listener)?
            .run()
            .await
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
