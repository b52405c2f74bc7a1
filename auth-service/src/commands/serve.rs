use crate::settings::AuthSettings;

use crate::startup::Application;

pub fn serve(settings: AuthSettings, bind: &str) -> Result<(), String> {
    shared::server::serve(settings, bind, |settings, listener| async move {
        let app = Application::build(settings, listener).map_err(|e| e.to_string())?;
        tracing::info!(address = %bind, "auth-service listening");
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}
