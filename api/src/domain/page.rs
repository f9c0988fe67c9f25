//! Keyset pagination: every list is read after a key, never at an offset.

use sea_orm::{
    ColumnTrait, ConnectionTrait, Cursor, DbErr, EntityTrait, QuerySelect, Select, SelectorTrait,
    sea_query::{Expr, IntoValueTuple},
};
use uuid::Uuid;

use crate::replica::Reader;

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
    /// Where to count the rows of the whole list too, when `totalCount` is selected.
    pub count: Option<Reader>,
}

impl<K> Page<K> {
    /// The empty page of a list the caller can see nothing of.
    pub fn nothing<T>(&self) -> Slice<T> {
        Slice {
            items: Vec::new(),
            has_next_page: false,
            total: self.count.as_ref().map(|_| 0),
        }
    }
}

/// One page of rows, and whether more follow.
#[derive(Debug, Clone)]
pub struct Slice<T> {
    /// The rows, in order.
    pub items: Vec<T>,
    /// Whether rows follow the last one.
    pub has_next_page: bool,
    /// The rows of the whole list, when counted.
    pub total: Option<u64>,
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
            total: None,
        }
    }

    /// The same page with each row turned by `f`.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Slice<U> {
        Slice {
            items: self.items.into_iter().map(f).collect(),
            has_next_page: self.has_next_page,
            total: self.total,
        }
    }
}

/// Reads `page` of `query` through a sea-orm keyset cursor (`cursor` orders the query), one
/// row more than asked to learn whether more follow; and, when the page asks, counts the rows
/// of the whole list where it says: the same query, its scope and filters, without the page.
pub async fn read<E, S, K>(
    db: &impl ConnectionTrait,
    query: Select<E>,
    cursor: impl FnOnce(Select<E>) -> Cursor<S>,
    page: Page<K>,
) -> Result<Slice<S::Item>, DbErr>
where
    E: EntityTrait,
    S: SelectorTrait,
    K: IntoValueTuple,
{
    let total = match &page.count {
        Some(counter) => Some(count(counter, query.clone()).await?),
        None => None,
    };
    let mut cursor = cursor(query);
    if let Some(after) = page.after {
        cursor.after(after);
    }
    let items = cursor.first(page.first + 1).all(db).await?;
    Ok(Slice {
        total,
        ..Slice::from_one_more(items, page.first)
    })
}

/// The rows `query` selects: `COUNT(*)` over its own table, scope and filters (the indexes
/// that serve its conditions serve the count).
pub async fn count<E: EntityTrait>(
    db: &impl ConnectionTrait,
    query: Select<E>,
) -> Result<u64, DbErr> {
    let counted: Option<i64> = query
        .select_only()
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .into_tuple()
        .one(db)
        .await?;
    Ok(counted.map_or(0, |n| u64::try_from(n).unwrap_or_default()))
}

/// The rows `query` selects, counted per value of its column `parent`, in one grouped
/// statement: the counts of many lists inside records (a child's visits) at once. A parent
/// without rows is left out.
pub async fn counts_by<E: EntityTrait>(
    db: &impl ConnectionTrait,
    query: Select<E>,
    parent: impl ColumnTrait,
) -> Result<Vec<(Uuid, u64)>, DbErr> {
    let counted: Vec<(Uuid, i64)> = query
        .select_only()
        .column(parent)
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .group_by(parent)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counted
        .into_iter()
        .map(|(id, n)| (id, u64::try_from(n).unwrap_or_default()))
        .collect())
}
