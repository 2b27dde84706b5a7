//! Turning finished runs into files and pictures: the CSV and JSON writers
//! (`output`), the durable per-run records (`records`), what the files say
//! about their experiment (`study`), reading the files back (`tables`),
//! charts (`charts`), the HTML report (`html`) and redrawing both from a
//! folder (`plot`). The report knows only rows, never models.

pub mod charts;
pub mod html;
pub mod output;
pub mod plot;
pub mod plotspec;
pub mod records;
pub mod stats;
pub mod study;
pub mod tables;
