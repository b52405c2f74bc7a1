//! Django's `createsuperuser` and `changepassword`, with the same prompts,
//! variables and messages, so deployment scripts written for Django keep working.

use std::io::{BufRead, IsTerminal, Write};

use crate::settings::AuthSettings;
use chrono::Utc;
use unicode_normalization::UnicodeNormalization;

use crate::cli::CreateUserArgs;
use crate::db::revocation;
use crate::db::users::{self, NewUser};
use crate::db::{DatabaseTarget, DbConnection};
use crate::hashers;
use crate::passwords::{UserAttributes, validate_password};
use crate::state::hasher_config;

const USERNAME_HELP: &str = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";

fn connect(settings: &AuthSettings) -> Result<DbConnection, String> {
    let target = DatabaseTarget::from_settings(&settings.database)?;
    target.connect().map_err(|e| format!("DATABASE_URL: {e}"))
}

/// Django's `UnicodeUsernameValidator` (`^[\w.@+-]+\Z`) and max_length 150.
pub fn username_error(username: &str) -> Option<String> {
    if username.is_empty() {
        return Some("This field cannot be blank.".into());
    }
    if username.chars().count() > 150 {
        return Some("Ensure this value has at most 150 characters.".into());
    }
    let valid = username
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '@' | '+' | '-'));
    (!valid).then(|| USERNAME_HELP.into())
}

/// `BaseUserManager.normalize_email`: the domain part lower-cased.
pub fn normalize_email(email: &str) -> String {
    match email.trim().rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", domain.to_lowercase()),
        None => email.trim().to_owned(),
    }
}

pub fn basic_email_error(email: &str) -> Option<&'static str> {
    let ok = email.is_empty()
        || email.rsplit_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
        });
    (!ok).then_some("Enter a valid email address.")
}

/// Django's default password validators (`crate::passwords`) for a user of these names.
fn password_problems(
    settings: &AuthSettings,
    password: &str,
    username: &str,
    email: &str,
) -> Vec<String> {
    let user = UserAttributes {
        username,
        email,
        ..UserAttributes::default()
    };
    validate_password(password, &user, settings.accounts.password_min_length)
}

/// Where `--noinput` reads DJANGO_SUPERUSER_*: the process environment in the
/// CLI, a map in tests.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

pub fn create_user(
    settings: &AuthSettings,
    args: &CreateUserArgs,
    superuser: bool,
    env: Env<'_>,
) -> Result<(), String> {
    let mut conn = connect(settings)?;
    let (username, email, password) = if args.noinput {
        noinput_values(args, env)?
    } else {
        if !std::io::stdin().is_terminal() {
            println!(
                "Superuser creation skipped due to not running in a TTY. You can run `auth-service createsuperuser` in your project to create one manually."
            );
            return Ok(());
        }
        prompt_values(settings, &mut conn, args)?
    };
    let username: String = username.nfkc().collect();
    if let Some(error) = username_error(&username) {
        return Err(format!("Error: {error}"));
    }
    if users::by_username(&mut conn, &username)
        .map_err(|e| e.to_string())?
        .is_some()
    {
        return Err("Error: That username is already taken.".into());
    }
    let hash = match password {
        Some(password) => hashers::make_password(&password, &hasher_config(settings)),
        None => hashers::make_unusable_password(),
    };
    let now = Utc::now().naive_utc();
    let user = NewUser {
        password: hash,
        last_login: None,
        is_superuser: superuser,
        username,
        first_name: String::new(),
        last_name: String::new(),
        email: normalize_email(&email),
        is_staff: superuser,
        is_active: true,
        date_joined: now,
    };
    users::insert(&mut conn, &user).map_err(|e| format!("cannot create the user: {e}"))?;
    if superuser {
        println!("Superuser created successfully.");
    } else {
        println!("User created successfully.");
    }
    Ok(())
}

/// `--noinput`: flags, then DJANGO_SUPERUSER_* variables, as Django reads them.
fn noinput_values(
    args: &CreateUserArgs,
    env: Env<'_>,
) -> Result<(String, String, Option<String>), String> {
    let username = args
        .username
        .clone()
        .or_else(|| env("DJANGO_SUPERUSER_USERNAME"))
        .ok_or("CommandError: You must use --username with --noinput.")?;
    let email = args
        .email
        .clone()
        .or_else(|| env("DJANGO_SUPERUSER_EMAIL"))
        .filter(|e| !e.is_empty())
        .ok_or("CommandError: You must use --email with --noinput.")?;
    if let Some(error) = basic_email_error(email.trim()) {
        return Err(format!("Error: {error}"));
    }
    let password = env("DJANGO_SUPERUSER_PASSWORD").filter(|p| !p.is_empty());
    Ok((username, email, password))
}

fn read_line(prompt: &str) -> Result<String, String> {
    print!("{prompt}");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    let mut line = String::new();
    let read = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    if read == 0 {
        return Err("\nOperation cancelled.".into());
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn default_username() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .map(|u| u.to_lowercase())
        .ok()
        .filter(|u| username_error(u).is_none())
        .unwrap_or_default()
}

fn prompt_values(
    settings: &AuthSettings,
    conn: &mut DbConnection,
    args: &CreateUserArgs,
) -> Result<(String, String, Option<String>), String> {
    let default = default_username();
    let username = loop {
        let answer = match &args.username {
            Some(given) => given.clone(),
            None if default.is_empty() => read_line("Username: ")?,
            None => read_line(&format!("Username (leave blank to use '{default}'): "))?,
        };
        let answer = if answer.is_empty() {
            default.clone()
        } else {
            answer
        };
        let answer: String = answer.nfkc().collect();
        if let Some(error) = username_error(&answer) {
            eprintln!("Error: {error}");
        } else if users::by_username(conn, &answer)
            .map_err(|e| e.to_string())?
            .is_some()
        {
            eprintln!("Error: That username is already taken.");
        } else {
            break answer;
        }
        if args.username.is_some() {
            return Err("Error: invalid --username".into());
        }
    };
    let email = loop {
        let answer = match &args.email {
            Some(given) => given.clone(),
            None => read_line("Email address: ")?,
        };
        match basic_email_error(answer.trim()) {
            Some(error) if args.email.is_none() => eprintln!("Error: {error}"),
            Some(error) => return Err(format!("Error: {error}")),
            None => break answer.trim().to_owned(),
        }
    };
    let password = prompt_new_password(settings, &username, &email)?;
    Ok((username, email, Some(password)))
}

/// Django's password prompt loop: twice, hidden, validated, with the bypass question.
fn prompt_new_password(
    settings: &AuthSettings,
    username: &str,
    email: &str,
) -> Result<String, String> {
    loop {
        let password = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("Password (again): ").map_err(|e| e.to_string())?;
        if password != again {
            eprintln!("Error: Your passwords didn't match.");
            continue;
        }
        if password.trim().is_empty() {
            eprintln!("Error: Blank passwords aren't allowed.");
            continue;
        }
        let problems = password_problems(settings, &password, username, email);
        if problems.is_empty() {
            return Ok(password);
        }
        eprintln!("{}", problems.join("\n"));
        let answer = read_line("Bypass password validation and create user anyway? [y/N]: ")?;
        if answer.trim().eq_ignore_ascii_case("y") {
            return Ok(password);
        }
    }
}

pub fn change_password(settings: &AuthSettings, username: Option<String>) -> Result<(), String> {
    let mut conn = connect(settings)?;
    let username = username.unwrap_or_else(default_username);
    let user = users::by_username(&mut conn, &username)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("CommandError: user '{username}' does not exist"))?;
    println!("Changing password for user '{username}'");
    let mut attempts = 0;
    let password = loop {
        let password = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("Password (again): ").map_err(|e| e.to_string())?;
        if password == again && !password.is_empty() {
            let problems = password_problems(settings, &password, &username, &user.email);
            if problems.is_empty() {
                break password;
            }
            eprintln!("{}", problems.join("\n"));
        } else {
            eprintln!("Passwords do not match. Please try again.");
        }
        attempts += 1;
        if attempts >= 3 {
            return Err(format!(
                "CommandError: Aborting password change for user '{username}' after {attempts} attempts"
            ));
        }
    };
    let hash = hashers::make_password(&password, &hasher_config(settings));
    users::set_password(&mut conn, user.id, &hash).map_err(|e| e.to_string())?;
    // Sessions opened with the old password end, everywhere (README "Revocation").
    revocation::blacklist_user(&mut conn, user.id).map_err(|e| e.to_string())?;
    println!("Password changed successfully for user '{username}'");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_djangos_validator() {
        assert_eq!(username_error("kyoko"), None);
        assert_eq!(username_error("zoë.o+k@x-y_z"), None);
        assert!(username_error("with space").is_some());
        assert!(username_error("").is_some());
        assert!(username_error(&"a".repeat(151)).is_some());
    }

    #[test]
    fn emails_get_their_domain_lowercased() {
        assert_eq!(normalize_email("Kyoko@Example.COM"), "Kyoko@example.com");
        assert_eq!(basic_email_error("kyoko@example.com"), None);
        assert!(basic_email_error("kyoko").is_some());
    }
}
