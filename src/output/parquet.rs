//! A price book table as a Parquet file, with the `parquet` crate's low-level
//! writer: text as `BYTE_ARRAY (STRING)`, times as `INT64 TIMESTAMP(MICROS,
//! UTC)`, money as `FIXED_LEN_BYTE_ARRAY(16) DECIMAL(38,18)` (the exact
//! unscaled value, big-endian two's complement, never a float), booleans as
//! `BOOLEAN`; every column but the booleans nullable. One row group,
//! uncompressed (the tables are small; engines read it as it is).

use std::io::{self, Write};
use std::sync::Arc;

use parquet::basic::{LogicalType, Repetition, TimeUnit, Type as Physical};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, FixedLenByteArray, FixedLenByteArrayType, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedColumnWriter, SerializedFileWriter};
use parquet::schema::types::Type;

use crate::book::{BookCell, Column, ColumnKind, Row};

/// The decimal type of money: DECIMAL(38,18) in 16 bytes.
const PRECISION: i32 = 38;
const SCALE: u32 = 18;

/// Writes `rows` (with `columns`) as the Parquet file of table `name`.
pub fn write<R: Row>(out: &mut dyn Write, name: &str, columns: &[Column], rows: &[R]) -> io::Result<()> {
    // The crate's writer wants an owned, sendable sink: the file is made in memory.
    let mut file = Vec::new();
    encode(&mut file, name, columns, rows).map_err(io::Error::other)?;
    out.write_all(&file)
}

fn encode<R: Row>(file: &mut Vec<u8>, name: &str, columns: &[Column], rows: &[R]) -> Result<(), ParquetError> {
    let fields = columns.iter().map(|c| field(c).map(Arc::new)).collect::<Result<Vec<_>, _>>()?;
    let schema = Arc::new(Type::group_type_builder(name).with_fields(fields).build()?);
    let props =
        Arc::new(WriterProperties::builder().set_created_by(format!("cometcat {}", env!("CARGO_PKG_VERSION"))).build());
    let mut writer = SerializedFileWriter::new(file, schema, props)?;
    let cells: Vec<Vec<BookCell<'_>>> = rows.iter().map(Row::cells).collect();
    let mut group = writer.next_row_group()?;
    for (i, column) in columns.iter().enumerate() {
        let mut w = group.next_column()?.expect("one writer per column of the schema");
        write_column(&mut w, column.kind, cells.iter().map(|row| row[i]))?;
        w.close()?;
    }
    group.close()?;
    writer.close()?;
    Ok(())
}

/// The schema field of a column.
fn field(c: &Column) -> Result<Type, ParquetError> {
    let (physical, logical, repetition) = match c.kind {
        ColumnKind::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String), Repetition::OPTIONAL),
        ColumnKind::Time => {
            (Physical::INT64, Some(LogicalType::timestamp(true, TimeUnit::MICROS)), Repetition::OPTIONAL)
        }
        ColumnKind::Decimal => {
            let decimal = LogicalType::decimal(SCALE as i32, PRECISION);
            (Physical::FIXED_LEN_BYTE_ARRAY, Some(decimal), Repetition::OPTIONAL)
        }
        ColumnKind::Bool => (Physical::BOOLEAN, None, Repetition::REQUIRED),
    };
    let mut b = Type::primitive_type_builder(c.name, physical).with_repetition(repetition).with_logical_type(logical);
    if c.kind == ColumnKind::Decimal {
        b = b.with_length(16).with_precision(PRECISION).with_scale(SCALE as i32);
    }
    b.build()
}

/// Writes one column's cells: the present values, and a definition level
/// per row (1 present, 0 null) for the nullable kinds.
fn write_column<'a>(
    w: &mut SerializedColumnWriter<'_>,
    kind: ColumnKind,
    cells: impl Iterator<Item = BookCell<'a>>,
) -> Result<(), ParquetError> {
    let cells: Vec<BookCell<'a>> = cells.collect();
    let levels =
        |present: &dyn Fn(&BookCell<'a>) -> bool| -> Vec<i16> { cells.iter().map(|c| i16::from(present(c))).collect() };
    match kind {
        ColumnKind::Text => {
            let values: Vec<ByteArray> = cells.iter().filter_map(|c| text(c).map(ByteArray::from)).collect();
            w.typed::<ByteArrayType>().write_batch(&values, Some(&levels(&|c| text(c).is_some())), None)?;
        }
        ColumnKind::Time => {
            let micros = |c: &BookCell<'_>| match c {
                BookCell::Time(t) => t.map(|t| t.as_microsecond()),
                _ => None,
            };
            let values: Vec<i64> = cells.iter().filter_map(micros).collect();
            w.typed::<Int64Type>().write_batch(&values, Some(&levels(&|c| micros(c).is_some())), None)?;
        }
        ColumnKind::Decimal => {
            let values: Vec<FixedLenByteArray> =
                cells.iter().filter_map(unscaled).map(|v| FixedLenByteArray::from(v.to_be_bytes().to_vec())).collect();
            w.typed::<FixedLenByteArrayType>().write_batch(&values, Some(&levels(&|c| unscaled(c).is_some())), None)?;
        }
        ColumnKind::Bool => {
            let values: Vec<bool> = cells.iter().map(|c| matches!(c, BookCell::Bool(true))).collect();
            w.typed::<BoolType>().write_batch(&values, None, None)?;
        }
    }
    Ok(())
}

fn text<'a>(c: &BookCell<'a>) -> Option<&'a str> {
    match c {
        BookCell::Text(t) => *t,
        _ => None,
    }
}

/// Money at scale 18 (the book only holds amounts that fit, see `book::columns`).
fn unscaled(c: &BookCell<'_>) -> Option<i128> {
    match c {
        BookCell::Decimal(m) => m.and_then(|m| m.scaled_integer(SCALE)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::{AliasHow, AliasRow, PRICE_ALIASES, Validity};

    #[test]
    fn a_table_is_a_parquet_file() {
        let rows = [AliasRow {
            alias: "é".into(),
            model_id: "m".into(),
            how: AliasHow::Id,
            validity: Validity { from: None, to: Some("2026-10-01T00:00:00Z".parse().unwrap()), current: true },
        }];
        let mut out = Vec::new();
        write(&mut out, "price_aliases", &PRICE_ALIASES, &rows).unwrap();
        assert!(out.starts_with(b"PAR1") && out.ends_with(b"PAR1"), "{} bytes", out.len());
    }
}
