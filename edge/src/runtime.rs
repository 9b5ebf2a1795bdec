//! The two things the rules take as arguments, read from the runtime: the time and random bytes.

use authcore::ApiError;

/// Unix seconds. (`SystemTime::now()` panics in wasm; a Worker's `Date.now()` advances across I/O.)
pub fn now() -> u64 {
    worker::Date::now().as_millis() / 1000
}

/// `N` bytes from the CSPRNG (`crypto.getRandomValues`).
pub fn random<const N: usize>() -> Result<[u8; N], ApiError> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(|e| {
        worker::console_error!("crypto.getRandomValues failed: {e}");
        ApiError::Internal
    })?;
    Ok(bytes)
}
