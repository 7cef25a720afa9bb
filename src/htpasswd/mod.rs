//! The htpasswd family: `.htpasswd` (`user:hash`), `.htdigest` (`user:realm:digest`) and
//! `.htgroup` (`group: user user`). Parsing with spans (`file`), hash scheme recognition
//! and structure checks (`scheme`), and password verification exactly as Apache or nginx
//! decide it (`verify`). No password and no whole hash ever leaves this module in a
//! message.

pub mod file;
pub mod scheme;
pub mod verify;
