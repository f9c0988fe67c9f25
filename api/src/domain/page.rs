//! Keyset pagination: every list is read after a key, never at an offset.

use sea_orm::{ConnectionTrait, Cursor, DbErr, SelectorTrait, sea_query::IntoValueTuple};

/// Rows per page when `first` is not given.
pub const DEFAULT_PAGE_SIZE: i32 = 20;
/// The most rows one page may ask for.
pub const MAX_PAGE_SIZE: i32 = 100;

/// Which page to read: the first `first` rows after the key `after`.
#[derive(Debug, Clone)]
pub struct Page<K> {
    /// How many rows.
    pub first: u64,
    /// The sort key of the last row already seen.
    pub after: Option<K>,
}

/// One page of rows, and whether more follow.
#[derive(Debug, Clone)]
pub struct Slice<T> {
    /// The rows, in order.
    pub items: Vec<T>,
    /// Whether rows follow the last one.
    pub has_next_page: bool,
}

impl<T> Slice<T> {
    /// The slice of `first` rows, from rows read one more than asked: whether the extra row
    /// came tells whether more follow.
    pub fn from_one_more(mut items: Vec<T>, first: u64) -> Self {
        let has_next_page = items.len() as u64 > first;
        items.truncate(usize::try_from(first).unwrap_or(usize::MAX));
        Self {
            items,
            has_next_page,
        }
    }

    /// The same page with each row turned by `f`.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Slice<U> {
        Slice {
            items: self.items.into_iter().map(f).collect(),
            has_next_page: self.has_next_page,
        }
    }
}

/// Reads `page` through a sea-orm keyset cursor, one row more than asked to learn whether more
/// follow.
pub async fn read<S, K>(
    db: &impl ConnectionTrait,
    mut cursor: Cursor<S>,
    page: Page<K>,
) -> Result<Slice<S::Item>, DbErr>
where
    S: SelectorTrait,
    K: IntoValueTuple,
{
    if let Some(after) = page.after {
        cursor.after(after);
    }
    let items = cursor.first(page.first + 1).all(db).await?;
    Ok(Slice::from_one_more(items, page.first))
}
