//! The two migration folders must build the same schema: one store API runs on both, so a column,
//! a constraint or an index present on one database only is a bug that shows on the other one
//! only. This test migrates a fresh SQLite database and a fresh PostgreSQL schema, reads each
//! back from the database's own catalogue (never from the migration files), and compares tables,
//! columns (name, nullability, type modulo each database's types), primary keys, unique
//! constraints, foreign keys and indexes (name, columns, uniqueness, partial predicate).

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

use std::collections::{BTreeMap, BTreeSet};

use flowstage_core::store::Backend;

mod support;

use support::{Raw, TestDb};

/// One schema as both databases can describe it.
#[derive(Debug, Default)]
struct Schema {
    /// "table.column" → (declared type, nullable).
    columns: BTreeMap<String, (String, bool)>,
    /// Constraints and indexes as comparable sentences, e.g. "unique outbox(dedupe_key)".
    facts: BTreeSet<String>,
}

/// The migrations' bookkeeping table is sqlx's, not ours.
const SQLX_TABLE: &str = "_sqlx_migrations";

/// Whether a SQLite declared type and a PostgreSQL type hold the same values as the store binds
/// them: SQLite keeps times and dates as ISO 8601 text.
fn same_type(sqlite: &str, postgres: &str) -> bool {
    let accepted: &[&str] = match sqlite.to_ascii_uppercase().as_str() {
        "INTEGER" => &["bigint"],
        "REAL" => &["double precision"],
        "BOOLEAN" => &["boolean"],
        "TEXT" => &["text", "timestamp with time zone", "date"],
        _ => &[],
    };
    accepted.contains(&postgres)
}

/// A partial index's predicate with each database's decorations taken off:
/// `(status = 'confirmed'::text)` and `status = 'confirmed'` read the same.
fn predicate(p: &str) -> String {
    p.replace("::text", "").replace(['(', ')'], "").split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn sqlite_schema(pool: &sqlx::SqlitePool) -> Schema {
    let mut schema = Schema::default();
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> $1 ORDER BY name",
    )
    .bind(SQLX_TABLE)
    .fetch_all(pool)
    .await
    .unwrap();
    for (table,) in tables {
        schema.facts.insert(format!("table {table}"));
        let columns: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        let pk_columns = columns.iter().filter(|c| c.3 > 0).count();
        let mut pk: Vec<(i64, String)> = Vec::new();
        for (name, ty, not_null, pk_pos) in columns {
            // A single-column INTEGER PRIMARY KEY is the rowid: never NULL. Any other primary
            // key column of SQLite accepts NULL unless declared NOT NULL (a legacy of SQLite).
            let rowid = pk_pos > 0 && pk_columns == 1 && ty.eq_ignore_ascii_case("INTEGER");
            let nullable = not_null == 0 && !rowid;
            schema.columns.insert(format!("{table}.{name}"), (ty, nullable));
            if pk_pos > 0 {
                pk.push((pk_pos, name));
            }
        }
        pk.sort();
        if !pk.is_empty() {
            let cols: Vec<_> = pk.into_iter().map(|(_, c)| c).collect();
            schema.facts.insert(format!("primary key {table}({})", cols.join(",")));
        }
        let indexes: Vec<(String, bool, String)> = sqlx::query_as(
            "SELECT name, \"unique\", origin FROM pragma_index_list($1) ORDER BY name",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        for (index, unique, origin) in indexes {
            let cols: Vec<(String,)> =
                sqlx::query_as("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&index)
                    .fetch_all(pool)
                    .await
                    .unwrap();
            let cols = cols.into_iter().map(|(c,)| c).collect::<Vec<_>>().join(",");
            match origin.as_str() {
                "pk" => {} // compared as the primary key
                "u" => {
                    schema.facts.insert(format!("unique {table}({cols})"));
                }
                _ => {
                    let (sql,): (String,) = sqlx::query_as(
                        "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1",
                    )
                    .bind(&index)
                    .fetch_one(pool)
                    .await
                    .unwrap();
                    let upper = sql.to_ascii_uppercase();
                    let pred = upper.find(" WHERE ").map(|at| predicate(&sql[at + 7..]));
                    let kind = if unique { "unique index" } else { "index" };
                    let pred = pred.map(|p| format!(" where {p}")).unwrap_or_default();
                    schema.facts.insert(format!("{kind} {index} on {table}({cols}){pred}"));
                }
            }
        }
        let fks: Vec<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT id, \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list($1) \
             ORDER BY id, seq",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        let mut by_id: BTreeMap<i64, (String, Vec<String>, Vec<String>, String)> = BTreeMap::new();
        for (id, target, from, to, on_delete) in fks {
            let e = by_id.entry(id).or_insert_with(|| (target, vec![], vec![], on_delete));
            e.1.push(from);
            e.2.push(to);
        }
        for (target, from, to, on_delete) in by_id.into_values() {
            schema.facts.insert(format!(
                "foreign key {table}({}) -> {target}({}) on delete {}",
                from.join(","),
                to.join(","),
                on_delete.to_ascii_lowercase()
            ));
        }
    }
    schema
}

/// (index, table, unique, primary, backs a unique constraint, columns, predicate).
type PgIndex = (String, String, bool, bool, bool, String, Option<String>);

async fn postgres_schema(pool: &sqlx::PgPool) -> Schema {
    let mut schema = Schema::default();
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> $1",
    )
    .bind(SQLX_TABLE)
    .fetch_all(pool)
    .await
    .unwrap();
    for (table,) in tables {
        schema.facts.insert(format!("table {table}"));
    }
    let columns: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
         FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> $1",
    )
    .bind(SQLX_TABLE)
    .fetch_all(pool)
    .await
    .unwrap();
    for (table, column, ty, nullable) in columns {
        schema.columns.insert(format!("{table}.{column}"), (ty, nullable == "YES"));
    }
    // Every index with its columns in order, and what it stands for.
    let indexes: Vec<PgIndex> = sqlx::query_as(
        "SELECT i.relname::text, t.relname::text, ix.indisunique, ix.indisprimary, \
                EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid AND c.contype = 'u'), \
                (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) \
                   FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                   JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum), \
                pg_get_expr(ix.indpred, ix.indrelid) \
         FROM pg_index ix \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = current_schema() AND t.relname <> $1",
    )
    .bind(SQLX_TABLE)
    .fetch_all(pool)
    .await
    .unwrap();
    for (index, table, unique, primary, constraint, cols, pred) in indexes {
        let fact = if primary {
            format!("primary key {table}({cols})")
        } else if constraint {
            format!("unique {table}({cols})")
        } else {
            let kind = if unique { "unique index" } else { "index" };
            let pred = pred.map(|p| format!(" where {}", predicate(&p))).unwrap_or_default();
            format!("{kind} {index} on {table}({cols}){pred}")
        };
        schema.facts.insert(fact);
    }
    let fks: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT t.relname::text, r.relname::text, \
                (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) \
                   FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) \
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum), \
                (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) \
                   FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord) \
                   JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum), \
                CASE c.confdeltype WHEN 'a' THEN 'no action' WHEN 'r' THEN 'restrict' \
                     WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' ELSE 'set default' END \
         FROM pg_constraint c \
         JOIN pg_class t ON t.oid = c.conrelid \
         JOIN pg_class r ON r.oid = c.confrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE c.contype = 'f' AND n.nspname = current_schema()",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (table, target, from, to, on_delete) in fks {
        schema
            .facts
            .insert(format!("foreign key {table}({from}) -> {target}({to}) on delete {on_delete}"));
    }
    schema
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_migrations_build_the_same_schema() {
    let lite_db = TestDb::open(Backend::Sqlite).await;
    let pg_db = TestDb::open(Backend::Postgres).await;
    let (lite_raw, pg_raw) = (lite_db.raw().await, pg_db.raw().await);
    let (Raw::Sqlite(lite_pool), Raw::Postgres(pg_pool)) = (&lite_raw, &pg_raw) else {
        unreachable!("each database opened on its backend")
    };
    let lite = sqlite_schema(lite_pool).await;
    let pg = postgres_schema(pg_pool).await;
    lite_raw.close().await;
    pg_raw.close().await;
    lite_db.finish().await;
    pg_db.finish().await;

    // The test must see the schema, not an empty catalogue.
    assert!(lite.facts.contains("table proposals") && lite.columns.len() > 100, "{lite:#?}");
    assert!(lite.facts.iter().any(|f| f.starts_with("unique index bookings_venue_slot")));

    let only_lite: Vec<_> = lite.facts.difference(&pg.facts).collect();
    let only_pg: Vec<_> = pg.facts.difference(&lite.facts).collect();
    assert!(
        only_lite.is_empty() && only_pg.is_empty(),
        "tables, keys, constraints or indexes differ:\nonly in SQLite: {only_lite:#?}\nonly in PostgreSQL: {only_pg:#?}"
    );

    let names_lite: BTreeSet<_> = lite.columns.keys().collect();
    let names_pg: BTreeSet<_> = pg.columns.keys().collect();
    assert_eq!(names_lite, names_pg, "the same columns in the same tables");
    let mut differ = Vec::new();
    for (column, (lite_type, lite_null)) in &lite.columns {
        let (pg_type, pg_null) = &pg.columns[column];
        if lite_null != pg_null {
            differ
                .push(format!("{column}: nullable {lite_null} in SQLite, {pg_null} in PostgreSQL"));
        }
        if !same_type(lite_type, pg_type) {
            differ.push(format!("{column}: {lite_type} in SQLite, {pg_type} in PostgreSQL"));
        }
    }
    assert!(differ.is_empty(), "columns differ:\n{}", differ.join("\n"));
}

#[test]
fn types_map_only_to_their_counterparts() {
    assert!(same_type("INTEGER", "bigint") && same_type("TEXT", "date"));
    assert!(!same_type("INTEGER", "text") && !same_type("REAL", "bigint"));
    assert!(!same_type("BLOB", "bytea"), "a type this test does not know fails it");
    assert_eq!(predicate("(status = 'confirmed'::text)"), "status = 'confirmed'");
}

/// The quoted words of `text`, in order: `'sent', 'held'` gives `["sent", "held"]`.
fn quoted(text: &str) -> BTreeSet<String> {
    text.split('\'').skip(1).step_by(2).map(str::to_owned).collect()
}

/// Each database's `CHECK` on a stored name lists exactly the names the code writes and reads
/// (each enum's `as_str`): a status added to one and not the other fails here, not in production.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_names_are_the_ones_the_checks_allow() {
    use flowstage_core::domain::account::Platform;
    use flowstage_core::domain::profile::{ProfileKind, ProfileStatus};
    use flowstage_core::domain::proposal::{BookingStatus, ProposalStatus};

    let names = |it: &mut dyn Iterator<Item = &'static str>| -> BTreeSet<String> {
        it.map(str::to_owned).collect()
    };
    let profile_statuses = [
        ProfileStatus::Draft,
        ProfileStatus::Pending,
        ProfileStatus::Approved,
        ProfileStatus::Rejected(String::new()),
        ProfileStatus::Suspended(String::new()),
    ];
    let expected: Vec<(&str, &str, BTreeSet<String>)> = vec![
        ("proposals", "status", names(&mut ProposalStatus::ALL.iter().map(|s| s.as_str()))),
        ("bookings", "status", names(&mut BookingStatus::ALL.iter().map(|s| s.as_str()))),
        ("profiles", "status", names(&mut profile_statuses.iter().map(ProfileStatus::as_str))),
        (
            "profiles",
            "kind",
            names(&mut [ProfileKind::Artist, ProfileKind::Venue].iter().map(|k| k.as_str())),
        ),
        ("identities", "platform", names(&mut Platform::ALL.iter().map(|p| p.as_str()))),
    ];

    let lite_db = TestDb::open(Backend::Sqlite).await;
    let pg_db = TestDb::open(Backend::Postgres).await;
    let (lite_raw, pg_raw) = (lite_db.raw().await, pg_db.raw().await);
    let (Raw::Sqlite(lite), Raw::Postgres(pg)) = (&lite_raw, &pg_raw) else {
        unreachable!("each database opened on its backend")
    };
    for (table, column, want) in &expected {
        let (sql,): (String,) =
            sqlx::query_as("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1")
                .bind(table)
                .fetch_one(lite)
                .await
                .unwrap();
        let start = sql.find(&format!("CHECK ({column} IN (")).unwrap();
        let list = &sql[start..start + sql[start..].find("))").unwrap()];
        assert_eq!(&quoted(list), want, "SQLite {table}.{column}");

        let defs: Vec<(String,)> = sqlx::query_as(
            "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c \
             JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE c.contype = 'c' AND n.nspname = current_schema() AND t.relname = $1",
        )
        .bind(table)
        .fetch_all(pg)
        .await
        .unwrap();
        let def = defs
            .iter()
            .map(|(d,)| d)
            .find(|d| d.starts_with(&format!("CHECK (({column} = ANY")))
            .unwrap_or_else(|| panic!("no CHECK on {table}.{column}: {defs:?}"));
        let def = def.replace("::text", "");
        assert_eq!(&quoted(&def), want, "PostgreSQL {table}.{column}");
    }
    lite_raw.close().await;
    pg_raw.close().await;
    lite_db.finish().await;
    pg_db.finish().await;
}
