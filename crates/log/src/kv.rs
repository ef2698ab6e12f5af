//! `log`'s key-values as record extras, and errors as the record's error.
//!
//! Primitive values (integers, floats, booleans, strings) keep their type, so `%d`,
//! `{:,}` and `!r` format them as Python would; borrowed strings are not copied.
//! Anything else is rendered with `Display`. A value that is an error (captured with
//! `error:err = e`) also becomes the record's [`ErrorInfo`], with its `source()`
//! chain, for the admin e-mail report.

use std::borrow::Cow;
use std::sync::Arc;

use log::kv::{self, VisitSource, VisitValue};
use logtree_core::{ErrorInfo, Value};

pub(crate) struct Collect<'a> {
    pub(crate) extra: Vec<(Cow<'a, str>, Value<'a>)>,
    pub(crate) error: Option<Arc<ErrorInfo>>,
}

impl<'kvs> VisitSource<'kvs> for Collect<'kvs> {
    fn visit_pair(&mut self, key: kv::Key<'kvs>, value: kv::Value<'kvs>) -> Result<(), kv::Error> {
        let key: Cow<'kvs, str> = match key.to_borrowed_str() {
            Some(k) => Cow::Borrowed(k),
            None => Cow::Owned(key.as_str().to_owned()),
        };
        if let Some(err) = value.to_borrowed_error() {
            if self.error.is_none() {
                self.error = Some(Arc::new(ErrorInfo::from_error(err)));
            }
            self.extra
                .push((key, Value::Str(Cow::Owned(err.to_string()))));
            return Ok(());
        }
        let mut conv = Convert(None);
        let _ = value.visit(&mut conv);
        let v = conv
            .0
            .unwrap_or_else(|| Value::Str(Cow::Owned(value.to_string())));
        self.extra.push((key, v));
        Ok(())
    }
}

struct Convert<'v>(Option<Value<'v>>);

impl<'v> VisitValue<'v> for Convert<'v> {
    fn visit_any(&mut self, value: kv::Value<'_>) -> Result<(), kv::Error> {
        self.0 = Some(Value::Str(Cow::Owned(value.to_string())));
        Ok(())
    }
    fn visit_null(&mut self) -> Result<(), kv::Error> {
        self.0 = Some(Value::None);
        Ok(())
    }
    fn visit_u64(&mut self, v: u64) -> Result<(), kv::Error> {
        self.0 = Some(Value::Int(v.into()));
        Ok(())
    }
    fn visit_i64(&mut self, v: i64) -> Result<(), kv::Error> {
        self.0 = Some(Value::Int(v.into()));
        Ok(())
    }
    fn visit_u128(&mut self, v: u128) -> Result<(), kv::Error> {
        self.0 = Some(match i128::try_from(v) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Str(Cow::Owned(v.to_string())),
        });
        Ok(())
    }
    fn visit_i128(&mut self, v: i128) -> Result<(), kv::Error> {
        self.0 = Some(Value::Int(v));
        Ok(())
    }
    fn visit_f64(&mut self, v: f64) -> Result<(), kv::Error> {
        self.0 = Some(Value::Float(v));
        Ok(())
    }
    fn visit_bool(&mut self, v: bool) -> Result<(), kv::Error> {
        self.0 = Some(Value::Bool(v));
        Ok(())
    }
    fn visit_str(&mut self, v: &str) -> Result<(), kv::Error> {
        self.0 = Some(Value::Str(Cow::Owned(v.to_owned())));
        Ok(())
    }
    fn visit_borrowed_str(&mut self, v: &'v str) -> Result<(), kv::Error> {
        self.0 = Some(Value::Str(Cow::Borrowed(v)));
        Ok(())
    }
    fn visit_char(&mut self, v: char) -> Result<(), kv::Error> {
        self.0 = Some(Value::Str(Cow::Owned(v.to_string())));
        Ok(())
    }
}
