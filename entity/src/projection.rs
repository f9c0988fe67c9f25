//! Reading some of a table's columns: a list reads the columns its fields need, not whole rows.
//!
//! A projected `SELECT` keeps every column in its place and reads the columns not asked for as
//! `NULL` ([`Columns::select`]). The database neither formats nor sends them, and the model is
//! decoded by position, not by name ([`Projected`]), so a row costs the columns asked for.
//!
//! A column not read holds a placeholder in the model (an empty string, a nil id, the first
//! variant of an enum). Whoever projects answers for it: the model goes only to code that
//! reads the columns asked for. The API keeps, beside each output type, which columns each of
//! its fields reads, and a field it does not list reads the whole row.

use std::{fmt, hash::Hash, marker::PhantomData};

use sea_orm::{
    DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryResult, QuerySelect, Select,
    TryGetError, TryGetable, sea_query::Expr,
};

/// A set of columns of `E`: those a list reads.
pub struct Columns<E> {
    /// One bit per column, in the entity's column order; every bit when the whole row is read
    /// (tables of more than 64 columns are always read whole).
    bits: u64,
    entity: PhantomData<fn() -> E>,
}

impl<E: EntityTrait> Columns<E> {
    /// Every column: the whole row.
    pub fn all() -> Self {
        Self::from_bits(u64::MAX)
    }

    /// The primary key's columns alone: what every row is read with.
    pub fn key() -> Self {
        E::PrimaryKey::iter().fold(Self::from_bits(0), |columns, key| {
            columns.with(sea_orm::PrimaryKeyToColumn::into_column(key))
        })
    }

    /// These columns too.
    #[must_use]
    pub fn with(self, column: E::Column) -> Self {
        match Self::position(column) {
            Some(bit) if bit < 64 => Self::from_bits(self.bits | 1 << bit),
            _ => Self::all(),
        }
    }

    /// The columns of both.
    #[must_use]
    pub fn union(self, other: Self) -> Self {
        Self::from_bits(self.bits | other.bits)
    }

    /// Whether every column is read.
    pub fn is_all(&self) -> bool {
        (0..E::Column::iter().count()).all(|bit| self.reads(bit))
    }

    /// `query` reading these columns, each in its place, and `NULL` in the place of the others;
    /// unchanged when every column is read.
    pub fn select(&self, query: Select<E>) -> Select<E> {
        if self.is_all() {
            return query;
        }
        self.append(query.select_only())
    }

    /// `query` reading, after what it reads, every column of `E` in its place: these columns,
    /// and `NULL` for the others (one entity's columns after another's, for a join).
    pub fn append<Q: QuerySelect>(&self, query: Q) -> Q {
        E::Column::iter()
            .enumerate()
            .fold(query, |query, (bit, column)| {
                if self.reads(bit) {
                    query.column(column)
                } else {
                    query.column_as(Expr::cust("NULL"), column.as_str())
                }
            })
    }

    /// Whether the column at `bit` (its place in the entity's order) is read.
    fn reads(&self, bit: usize) -> bool {
        bit >= 64 || self.bits & 1 << bit != 0
    }

    fn position(column: E::Column) -> Option<usize> {
        E::Column::iter().position(|c| c.as_str() == column.as_str())
    }

    fn from_bits(bits: u64) -> Self {
        Self {
            bits,
            entity: PhantomData,
        }
    }
}

impl<E> Clone for Columns<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for Columns<E> {}

impl<E> PartialEq for Columns<E> {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits
    }
}

impl<E> Eq for Columns<E> {}

impl<E> Hash for Columns<E> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bits.hash(state);
    }
}

impl<E> fmt::Debug for Columns<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Columns({:#x})", self.bits)
    }
}

/// A model decoded by position from a row of [`Columns::select`] (or of a whole-row select),
/// or a pair of them from a row of [`Columns::append`]: columns read as `NULL` in a non-null
/// place hold their [`Placeholder`]. Table prefixes are not used: the columns come first in
/// the row, each entity's in its order.
pub struct Projected<M>(pub M);

/// A model that can be decoded by position: implemented by [`projectable!`], and by pairs
/// of such models, one's columns after the other's.
pub trait Projectable: Sized + Send + Sync {
    /// How many columns it is decoded from.
    const COLUMNS: usize;

    /// The model from `row`, its columns at positions `first`, `first + 1`, … in the entity's
    /// order.
    fn from_row(row: &QueryResult, first: usize) -> Result<Self, DbErr>;
}

impl<A: Projectable, B: Projectable> Projectable for (A, B) {
    const COLUMNS: usize = A::COLUMNS + B::COLUMNS;

    fn from_row(row: &QueryResult, first: usize) -> Result<Self, DbErr> {
        Ok((
            A::from_row(row, first)?,
            B::from_row(row, first + A::COLUMNS)?,
        ))
    }
}

impl<M: Projectable> FromQueryResult for Projected<M> {
    fn from_query_result(row: &QueryResult, _pre: &str) -> Result<Self, DbErr> {
        M::from_row(row, 0).map(Self)
    }
}

/// The value in a model of a non-null column that was not read.
pub trait Placeholder {
    /// The placeholder.
    fn placeholder() -> Self;
}

impl<T: Default> Placeholder for T {
    fn placeholder() -> Self {
        T::default()
    }
}

/// The value at `position`, or the placeholder when it is `NULL` (a column not read; nullable
/// columns read `NULL` as `None` themselves).
pub fn value_at<T: TryGetable + Placeholder>(
    row: &QueryResult,
    position: usize,
) -> Result<T, DbErr> {
    match T::try_get_by(row, position) {
        Ok(value) => Ok(value),
        Err(TryGetError::Null(_)) => Ok(T::placeholder()),
        Err(TryGetError::DbErr(err)) => Err(err),
    }
}

/// Implements [`Projectable`] for a model from its fields, listed in declaration order (which
/// is its entity's column order; a test generated beside it checks that).
#[macro_export]
macro_rules! projectable {
    ($model:ident { $($field:ident),+ $(,)? }) => {
        impl $crate::projection::Projectable for $model {
            const COLUMNS: usize = [$(stringify!($field)),+].len();

            fn from_row(row: &sea_orm::QueryResult, first: usize) -> Result<Self, sea_orm::DbErr> {
                let mut positions = first..;
                Ok(Self {
                    $($field: $crate::projection::value_at(
                        row,
                        positions.next().unwrap_or_default(),
                    )?,)+
                })
            }
        }

        #[cfg(test)]
        mod projection_order {
            use sea_orm::{IdenStatic, Iterable};

            #[test]
            fn fields_are_listed_in_column_order() {
                let columns: Vec<&str> = super::Column::iter().map(|c| c.as_str()).collect();
                assert_eq!(columns, [$(stringify!($field)),+]);
            }
        }
    };
}

/// Placeholders for enums: their first variant.
macro_rules! first_variant {
    ($($enum:ident => $variant:ident),+ $(,)?) => {
        $(impl Placeholder for crate::enums::$enum {
            fn placeholder() -> Self {
                Self::$variant
            }
        })+
    };
}

first_variant! {
    ChildStatus => Active,
    Gender => Male,
    GuardianRelation => Father,
    GuardianshipCapacity => Full,
    GuardianshipQuality => Unsupervised,
    HealthStatus => Healthy,
    LeftBehindType => BothParentsAway,
    LivingArrangement => WithGrandparents,
    ParentContactMethod => Phone,
    ContactFacilitator => School,
    RiskLevel => None,
    Role => Admin,
    SchoolingStage => NotSchoolAge,
    VisitMethod => Home,
}
