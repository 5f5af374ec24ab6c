//! Typed access to every string inside a resource's properties, so that `${...}` references are
//! found and substituted in place, without a round trip through JSON.
//!
//! Each props struct implements [`Strings`] through [`strings!`](crate::props), which destructures
//! the struct exhaustively: a field added to a struct but not to its `strings!` line does not
//! compile. The strings visited are those of the JSON form's values (map keys and tag keys are
//! names, never templates), plus the tags the JSON form leaves out (an app client's or archive's,
//! always empty).

use std::collections::BTreeMap;

use serde_json::Value;

/// Visits every string value, read-only or in place, stopping at the first error.
pub trait Strings {
    fn each_str<E>(&self, f: &mut impl FnMut(&str) -> Result<(), E>) -> Result<(), E>;
    fn each_string_mut<E>(&mut self, f: &mut impl FnMut(&mut String) -> Result<(), E>) -> Result<(), E>;
}

impl Strings for String {
    fn each_str<E>(&self, f: &mut impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
        f(self)
    }

    fn each_string_mut<E>(&mut self, f: &mut impl FnMut(&mut String) -> Result<(), E>) -> Result<(), E> {
        f(self)
    }
}

/// Scalars hold no strings.
macro_rules! no_strings {
    ($($t:ty),*) => {$(
        impl Strings for $t {
            fn each_str<E>(&self, _: &mut impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
                Ok(())
            }

            fn each_string_mut<E>(&mut self, _: &mut impl FnMut(&mut String) -> Result<(), E>) -> Result<(), E> {
                Ok(())
            }
        }
    )*};
}
no_strings!(bool, u32, f64);

impl<T: Strings> Strings for Option<T> {
    fn each_str<E>(&self, f: &mut impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
        self.as_ref().map_or(Ok(()), |v| v.each_str(f))
    }

    fn each_string_mut<E>(&mut self, f: &mut impl FnMut(&mut String) -> Result<(), E>) -> Result<(), E> {
        self.as_mut().map_or(Ok(()), |v| v.each_string_mut(f))
    }
}

impl<T: Strings> Strings for Vec<T> {
    fn each_str<E>(&self, f: &mut impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
        self.iter().try_for_each(|v| v.each_str(f))
    }

    fn each_string_mut<E>(&mut self, f: &mut impl FnMut(&mut String) -> Result<(), E>) -> Result<(), E> {
        self.iter_mut().try_for_each(|v| v.each_string_mut(f))
    }
}

impl<T: Strings> Strings for BTreeMap<String, T> {
    fn each_str<E>(&self, f: &mut impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
        self.values().try_for_each(|v| v.each_str(f))
    }

    fn each_string_mut<E>(&mut self, f: &mut impl FnMut(&mut String) -> Result<(), E>) -> Result<(), E> {
        self.values_mut().try_for_each(|v| v.each_string_mut(f))
    }
}

/// Policy documents: every string value, however deeply nested.
impl Strings for Value {
    fn each_str<E>(&self, f: &mut impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
        match self {
            Value::String(s) => f(s),
            Value::Array(items) => items.iter().try_for_each(|v| v.each_str(f)),
            Value::Object(map) => map.values().try_for_each(|v| v.each_str(f)),
            _ => Ok(()),
        }
    }

    fn each_string_mut<E>(&mut self, f: &mut impl FnMut(&mut String) -> Result<(), E>) -> Result<(), E> {
        match self {
            Value::String(s) => f(s),
            Value::Array(items) => items.iter_mut().try_for_each(|v| v.each_string_mut(f)),
            Value::Object(map) => map.values_mut().try_for_each(|v| v.each_string_mut(f)),
            _ => Ok(()),
        }
    }
}
