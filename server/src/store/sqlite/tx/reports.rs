//! The report reads in this backend's SQL: receivables aging (overall and by customer), campaign
//! sums and the analysis rows. `SqliteTx`'s trait methods call these.

use super::*;

pub(super) fn aging(
    tx: &SqliteTx<'_>,
    today: &str,
    customer_id: Option<&str>,
    viewer: Option<&[String]>,
) -> Result<crate::store::Aging, StorageError> {
    let mut args: Vec<SqlValue> = vec![SqlValue::Text(today.into())];
    let mut condition = String::new();
    if let Some(customer) = customer_id {
        args.push(SqlValue::Text(customer.into()));
        condition = format!(" AND customer_id = ?{}", args.len());
    }
    condition.push_str(&visible_filter(Entity::Instalments, viewer, &mut args));
    let sql_text = format!(
        "SELECT {} FROM instalments WHERE deleted = 0 AND status != 'paid'{condition}",
        crate::store::aging_columns(AGING_DAYS, &|s| s)
    );
    let values =
        tx.0.prepare_cached(&sql_text)?
            .query_row(params_from_iter(args), |r| {
                (0..6)
                    .map(|i| r.get::<_, i64>(i))
                    .collect::<Result<Vec<_>, _>>()
            })?;
    Ok(crate::store::aging_from(&values))
}

pub(super) fn aging_by_customer(
    tx: &SqliteTx<'_>,
    today: &str,
    viewer: Option<&[String]>,
    limit: usize,
) -> Result<Vec<(String, crate::store::Aging)>, StorageError> {
    let mut args: Vec<SqlValue> = vec![SqlValue::Text(today.into())];
    let filter = visible_filter(Entity::Instalments, viewer, &mut args);
    args.push(SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    let sql_text = format!(
        "SELECT * FROM (SELECT customer_id, {} FROM instalments
         WHERE deleted = 0 AND status != 'paid'{filter} GROUP BY customer_id) t {} LIMIT ?{}",
        crate::store::aging_columns(AGING_DAYS, &|s| s),
        crate::store::AGING_ORDER,
        args.len()
    );
    let mut statement = tx.0.prepare_cached(&sql_text)?;
    let rows = statement.query_map(params_from_iter(args), |r| {
        let customer: String = r.get(0)?;
        let values = (1..7)
            .map(|i| r.get::<_, i64>(i))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((customer, crate::store::aging_from(&values)))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn campaign_sums(
    tx: &SqliteTx<'_>,
    campaign_id: &str,
) -> Result<crate::rules::marketing::CampaignSums, StorageError> {
    let sql_text = crate::store::campaign_sums_sql(&|t| format!("{t}deleted = 0"), "?1");
    let v =
        tx.0.prepare_cached(&sql_text)?
            .query_row([campaign_id], |r| {
                (0..8)
                    .map(|i| r.get::<_, i64>(i))
                    .collect::<Result<Vec<_>, _>>()
            })?;
    Ok(crate::store::campaign_sums_from(&v))
}

pub(super) fn analysis_rows(
    tx: &SqliteTx<'_>,
    sql: &str,
    after: &str,
    numbers: usize,
) -> Result<Vec<crate::store::analysis::AnalysisRow>, StorageError> {
    let texts = crate::store::analysis::LAST_CONTACT + 1;
    let mut statement = tx.0.prepare_cached(sql)?;
    let rows = statement.query_map([after], |r| {
        Ok(crate::store::analysis::AnalysisRow {
            texts: (0..texts)
                .map(|i| r.get::<_, Option<String>>(i))
                .collect::<Result<_, _>>()?,
            numbers: (texts..texts + numbers)
                .map(|i| r.get::<_, Option<i64>>(i).map(Option::unwrap_or_default))
                .collect::<Result<_, _>>()?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
