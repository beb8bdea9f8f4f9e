//! (a) required TOTP enrollment from the QR image, (b) returning SMS login with the code from
//! the dashboard, (c) optional enrollment then a challenged login, (d) a wrong code and retry.

use base64::Engine;

use super::Browser;

/// Decode a `data:image/png;base64,...` QR code to its text.
fn decode_qr(data_url: &str) -> String {
    let b64 = data_url
        .strip_prefix("data:image/png;base64,")
        .unwrap_or_else(|| {
            panic!(
                "not a PNG data URL: {}",
                &data_url[..40.min(data_url.len())]
            )
        });
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64");
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("PNG frame");
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.line_size / w;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        buf[y * info.line_size + x * channels]
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().expect("QR decodes").1
}

/// The `secret` parameter of an `otpauth://` URI.
fn otpauth_secret(uri: &str) -> String {
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    let query = uri.split_once('?').expect("query").1;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("secret="))
        .expect("secret parameter")
        .to_owned()
}

/// The code an authenticator app shows at the mock's virtual time.
async fn totp_now(b: &Browser, secret_b32: &str) -> String {
    let now = b.app.control().now().await.expect("mock clock");
    mock_control::totp::code_at(secret_b32, now.timestamp()).expect("base32 secret")
}

#[tokio::test]
async fn a_required_totp_enrollment_from_the_qr_image() {
    // Arrange
    let mut b = Browser::start("a_required_totp_enrollment").await;

    // Act
    b.sign_in("Initech", "erin@initech.example").await;
    b.s.find("#choose-totp").await;
    b.shot("enroll-choice").await;
    b.s.click("#totp-button").await;
    let qr = b.s.attr("#totp-qr", "src").await;
    b.shot("totp-qr").await;
    let uri = decode_qr(&qr);
    let secret = otpauth_secret(&uri);
    let code = totp_now(&b, &secret).await;
    b.enter_code(&code, "#confirm-button").await;

    // Assert
    assert_eq!(b.s.text("#org-home").await, "Initech");
    assert!(uri.contains("erin@initech.example"), "{uri}");
    assert!(b.s.current_url().await.contains("/home"));
    b.shot("home").await;
    b.quit().await;
}

#[tokio::test]
async fn b_returning_login_with_sms_auto_sent() {
    // Arrange
    let mut b = Browser::start("b_returning_sms_login").await;

    // Act
    b.sign_in("Acme Corp", "alice@acme.example").await;
    let sent = b.s.text("#sms-sent").await;
    b.shot("code-entry").await;
    let code = b.sms_code_from_dashboard("+14155552671").await;
    b.open("/challenge").await;
    b.enter_code(&code, "#code-button").await;

    // Assert
    assert!(sent.contains("+14155552671"), "{sent}");
    assert_eq!(b.s.text("#member-email").await, "alice@acme.example");
    b.shot("home").await;
    b.quit().await;
}

#[tokio::test]
async fn c_optional_enrollment_then_the_next_sign_in_is_challenged() {
    // Arrange
    let mut b = Browser::start("c_optional_enrollment").await;
    let phone = "+14155550142";

    // Act: straight home, add SMS (asked at every sign-in), as the default.
    b.sign_in("Globex", "dave@globex.example").await;
    b.s.find("#add-factor-form").await;
    b.shot("home-not-enrolled").await;
    b.s.click("#add-factor-button").await;
    b.s.fill("#phone", phone).await;
    b.shot("phone-form").await;
    b.s.click("#sms-button").await;
    b.s.find("#confirm-form").await;
    let code = b.sms_code_from_dashboard(phone).await;
    b.open("/enroll").await;
    b.s.click("#make_default").await;
    b.enter_code(&code, "#confirm-button").await;
    let factors = b.s.text("#factors").await;
    b.shot("home-enrolled").await;
    b.s.click("#signout-button").await;
    b.shot("signed-out").await;
    b.sign_in("Globex", "dave@globex.example").await;
    let challenged = b.s.text("#sms-sent").await;
    b.shot("challenged").await;
    let code = b.sms_code_from_dashboard(phone).await;
    b.open("/challenge").await;
    b.enter_code(&code, "#code-button").await;

    // Assert
    assert!(
        factors.contains(&format!("({phone}) — default")),
        "{factors}"
    );
    assert!(challenged.contains(phone), "{challenged}");
    assert_eq!(b.s.text("#org-home").await, "Globex");
    b.shot("home").await;
    b.quit().await;
}

#[tokio::test]
async fn d_a_wrong_code_shows_an_error_and_the_user_retries() {
    // Arrange
    let mut b = Browser::start("d_wrong_code_then_retry").await;

    // Act
    b.sign_in("Acme Corp", "bob@acme.example").await;
    b.s.find("#code-form").await;
    b.shot("code-entry").await;
    b.enter_code("000000", "#code-button").await;
    let error = b.s.text("#notice").await;
    b.shot("wrong-code").await;
    b.open("/_mock/ui").await;
    // The dashboard's "Advance 1 min" button moves the virtual clock on; the code read after
    // it is the one of the new window.
    b.s.click("form[action=\"/_mock/ui/clock\"]:has(input[name=\"minutes\"][value=\"1\"]) button")
        .await;
    b.s.find("code.totp-code").await;
    b.shot("dashboard").await;
    let code =
        b.s.text("code.totp-code[data-member-email=\"bob@acme.example\"]")
            .await;
    b.open("/challenge").await;
    b.enter_code(&code, "#code-button").await;

    // Assert
    assert!(error.contains("That code is not right"), "{error}");
    assert_eq!(b.s.text("#member-email").await, "bob@acme.example");
    b.shot("home").await;
    b.quit().await;
}
