//! The TOTP QR code, drawn by the app: an `otpauth://` URI (what authenticator apps scan) as a
//! `data:image/png` URL for an inline `<img>`, so the page needs no extra request.
//!
//! Drawing it here rather than echoing Stytch's `qr_code` keeps the label ours (issuer = the
//! organization, account = the member's email). Must never log or store the URI: it holds the
//! secret.

use base64::Engine;

/// Pixels per QR module and quiet-zone modules: large enough for a phone camera (and for a
/// screenshot-based decoder), small enough for a laptop screen.
const SCALE: usize = 6;
const QUIET: usize = 4;

/// `otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER` with the usual defaults spelled out.
pub fn otpauth_uri(issuer: &str, account: &str, secret_base32: &str) -> String {
    let issuer = encode(issuer);
    let account = encode(account);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret_base32}&issuer={issuer}&algorithm=SHA1&digits=6&period=30"
    )
}

/// Percent-encode everything but unreserved characters and `@`.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `(data URL, side in pixels)` of a PNG QR code holding `text`.
pub fn png_data_url(text: &str) -> anyhow::Result<(String, usize)> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)?;
    let modules = code.width();
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (mx, my) = (i % modules + QUIET, i / modules + QUIET);
            for dy in 0..SCALE {
                let row = (my * SCALE + dy) * side;
                pixels[row + mx * SCALE..row + (mx + 1) * SCALE].fill(0);
            }
        }
    }
    let mut png_bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut png_bytes, side as u32, side as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(&pixels)?;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&png_bytes);
    Ok((format!("data:image/png;base64,{b64}"), side))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_png_decodes_back_to_the_uri() {
        let uri = otpauth_uri("Acme Corp", "alice@acme.example", "JBSWY3DPEHPK3PXP");
        assert!(
            uri.starts_with(
                "otpauth://totp/Acme%20Corp:alice@acme.example?secret=JBSWY3DPEHPK3PXP"
            )
        );
        let (url, side) = png_data_url(&uri).unwrap();
        let b64 = url.strip_prefix("data:image/png;base64,").unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.width as usize, side);
        let w = info.width as usize;
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, w, |x, y| buf[y * w + x]);
        let grids = img.detect_grids();
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, uri);
    }
}
