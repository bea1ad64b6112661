//! Catalogs in the database: seeded from `config/` at migration time, read
//! back by ingest and the detectors.

use diesel::prelude::*;

use super::schema::{frameworks, items};
use super::{DbConn, DbError, write_tx};
use crate::catalog::{Catalog, Framework, Item};
use crate::domain::{ItemNumber, Level};

/// Seeds (or refreshes) the built-in catalog. Called by [`super::migrate`].
pub fn seed_builtin(conn: &mut DbConn) -> Result<(), DbError> {
    let catalog = Catalog::builtin().map_err(|e| DbError::Invalid(e.to_string()))?;
    seed(conn, &catalog)
}

/// Inserts a catalog, or refreshes the shipped fields of one already there
/// when its content changed. The official wording a user imported
/// (condition, criteria, responsible area, and the level of an item the
/// shipped catalog gives none) is kept.
pub fn seed(conn: &mut DbConn, catalog: &Catalog) -> Result<(), DbError> {
    let hash = catalog.content_hash();
    write_tx(conn, |conn| {
        let existing: Option<String> =
            frameworks::table.find(&catalog.framework.id).select(frameworks::catalog_hash).first(conn).optional()?;
        if existing.as_deref() == Some(hash.as_str()) {
            return Ok(());
        }
        let now = crate::time::now().naive_utc();
        let fw = &catalog.framework;
        if existing.is_some() {
            diesel::update(frameworks::table.find(&fw.id))
                .set((
                    frameworks::name.eq(&fw.name),
                    frameworks::version.eq(&fw.version),
                    frameworks::item_count.eq(i32::from(fw.item_count)),
                    frameworks::catalog_hash.eq(&hash),
                    frameworks::updated_at.eq(now),
                ))
                .execute(conn)?;
        } else {
            diesel::insert_into(frameworks::table)
                .values((
                    frameworks::id.eq(&fw.id),
                    frameworks::name.eq(&fw.name),
                    frameworks::version.eq(&fw.version),
                    frameworks::item_count.eq(i32::from(fw.item_count)),
                    frameworks::catalog_hash.eq(&hash),
                    frameworks::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        for item in &catalog.items {
            let number = i32::from(item.number);
            let parts = serde_json::to_string(&item.parts).unwrap_or_else(|_| "[]".into());
            let tags = serde_json::to_string(&item.tags).unwrap_or_else(|_| "[]".into());
            let deps = serde_json::to_string(&item.depends_on).unwrap_or_else(|_| "[]".into());
            let level = item.level.map(|l| i16::from(l.number()));
            let updated = diesel::update(items::table.find((&fw.id, number)))
                .set((
                    items::category.eq(&item.category),
                    items::subject_ja.eq(&item.subject_ja),
                    items::subject_en.eq(&item.subject_en),
                    items::parts_json.eq(&parts),
                    items::tags_json.eq(&tags),
                    items::depends_on_json.eq(&deps),
                ))
                .execute(conn)?;
            // A level imported from the official workbook stays where the
            // shipped catalog has none.
            if updated > 0 && level.is_some() {
                diesel::update(items::table.find((&fw.id, number))).set(items::level.eq(level)).execute(conn)?;
            }
            if updated == 0 {
                diesel::insert_into(items::table)
                    .values((
                        items::framework_id.eq(&fw.id),
                        items::number.eq(number),
                        items::level.eq(level),
                        items::category.eq(&item.category),
                        items::responsible_area.eq(&item.responsible_area),
                        items::subject_ja.eq(&item.subject_ja),
                        items::subject_en.eq(&item.subject_en),
                        items::condition_text.eq(&item.condition),
                        items::criteria_text.eq(&item.criteria),
                        items::examples_text.eq(&item.examples),
                        items::parts_json.eq(&parts),
                        items::tags_json.eq(&tags),
                        items::depends_on_json.eq(&deps),
                    ))
                    .execute(conn)?;
            }
        }
        Ok(())
    })
}

type ItemRow = (
    i32,
    Option<i16>,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
);

/// Loads a framework's catalog as stored (with any imported wording).
pub fn load(conn: &mut DbConn, framework_id: &str) -> Result<Catalog, DbError> {
    let (id, name, version, item_count): (String, String, String, i32) = super::found(
        frameworks::table
            .find(framework_id)
            .select((frameworks::id, frameworks::name, frameworks::version, frameworks::item_count))
            .first(conn),
        || format!("framework {framework_id}"),
    )?;
    let rows: Vec<ItemRow> = items::table
        .filter(items::framework_id.eq(framework_id))
        .order(items::number)
        .select((
            items::number,
            items::level,
            items::category,
            items::responsible_area,
            items::subject_ja,
            items::subject_en,
            items::condition_text,
            items::criteria_text,
            items::examples_text,
            items::parts_json,
            items::tags_json,
            items::depends_on_json,
        ))
        .load(conn)?;
    let bad_json = |e: serde_json::Error| DbError::Invalid(format!("stored catalog JSON: {e}"));
    let mut items_out = Vec::with_capacity(rows.len());
    for (number, level, category, area, sja, sen, cond, crit, examples, parts, tags, deps) in rows {
        items_out.push(Item {
            number: ItemNumber::try_from(number)?,
            level: level.map(|l| Level::try_from(i32::from(l))).transpose()?,
            level_source: level.map(|_| "database".to_owned()),
            category,
            responsible_area: area,
            subject_ja: sja,
            subject_en: sen,
            condition: cond,
            criteria: crit,
            examples,
            tags: serde_json::from_str(&tags).map_err(bad_json)?,
            parts: serde_json::from_str(&parts).map_err(bad_json)?,
            depends_on: serde_json::from_str(&deps).map_err(bad_json)?,
            note: None,
        });
    }
    let item_count = u16::try_from(item_count).map_err(|_| DbError::Invalid("item_count".into()))?;
    Ok(Catalog {
        framework: Framework { id, name, version, published: None, item_count, level_counts: None },
        items: items_out,
    })
}

/// The ids of every stored framework.
pub fn framework_ids(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    Ok(frameworks::table.select(frameworks::id).order(frameworks::id).load(conn)?)
}
