-- newsfacts output tables, PostgreSQL dialect.
-- In psql, from the output folder (documents first: the other tables reference it):
--   \i schema.sql              (this file: newsfacts schema --dialect postgres)
--   \copy documents FROM 'documents.csv' WITH (FORMAT csv, HEADER true)
--   \copy dates FROM 'dates.csv' WITH (FORMAT csv, HEADER true)
--   \copy amounts FROM 'amounts.csv' WITH (FORMAT csv, HEADER true)
--   \copy counts FROM 'counts.csv' WITH (FORMAT csv, HEADER true)
--   \copy countries FROM 'countries.csv' WITH (FORMAT csv, HEADER true)
--   \copy errors FROM 'errors.csv' WITH (FORMAT csv, HEADER true)
-- (or COPY … FROM '/absolute/path/….csv' WITH (FORMAT csv, HEADER true) on the server)
-- A missing value is an unquoted empty field, which COPY and read_csv read as NULL.
-- Offsets (start, end) count Unicode code points (not bytes) into the document's
-- extracted text (newsfacts text FILE shows it): start is 0-based, end is exclusive.
-- Dates are ISO 8601 text at their precision (YYYY, YYYY-MM or YYYY-MM-DD), never with
-- an invented part; the precision column says which.

CREATE TABLE IF NOT EXISTS documents (
  "doc_id" TEXT NOT NULL PRIMARY KEY,
  "source" TEXT,
  "final_url" TEXT,
  "fetched_at" TEXT,
  "http_status" BIGINT,
  "content_type" TEXT,
  "content_hash" TEXT,
  "bytes" BIGINT,
  "media_type" TEXT,
  "encoding" TEXT,
  "encoding_source" TEXT,
  "title" TEXT,
  "published" TEXT,
  "lang" TEXT,
  "lang_confidence" DOUBLE PRECISION,
  "lang_source" TEXT,
  "rule_set" TEXT,
  "chars" BIGINT,
  "countries" TEXT,
  "status" TEXT
);
COMMENT ON TABLE documents IS 'documents.csv: one row per document processed';
COMMENT ON COLUMN documents."doc_id" IS 'stable id: hash of source';
COMMENT ON COLUMN documents."source" IS 'the input as named (path or URL)';
COMMENT ON COLUMN documents."final_url" IS 'URL after redirects (URL inputs only)';
COMMENT ON COLUMN documents."fetched_at" IS 'fetch time, RFC 3339 UTC (URL inputs only; the original fetch for cached bytes)';
COMMENT ON COLUMN documents."http_status" IS 'HTTP status of the final response (URL inputs only)';
COMMENT ON COLUMN documents."content_type" IS 'Content-Type header of the final response, as sent (URL inputs only)';
COMMENT ON COLUMN documents."content_hash" IS 'BLAKE3 of the raw bytes, 16 hex digits';
COMMENT ON COLUMN documents."bytes" IS 'size of the raw bytes';
COMMENT ON COLUMN documents."media_type" IS 'text/html or text/plain';
COMMENT ON COLUMN documents."encoding" IS 'WHATWG encoding name the bytes were decoded with';
COMMENT ON COLUMN documents."encoding_source" IS 'bom, declared, meta, utf8 or detected';
COMMENT ON COLUMN documents."title" IS 'title of the page or first line of the text';
COMMENT ON COLUMN documents."published" IS 'publication date or datetime, ISO 8601, as found';
COMMENT ON COLUMN documents."lang" IS 'ISO 639-1 language code';
COMMENT ON COLUMN documents."lang_confidence" IS 'whatlang confidence (detected languages only)';
COMMENT ON COLUMN documents."lang_source" IS 'given, html, detected or unknown';
COMMENT ON COLUMN documents."rule_set" IS 'rule set applied: a language code, or common';
COMMENT ON COLUMN documents."chars" IS 'length of the extracted text in characters';
COMMENT ON COLUMN documents."countries" IS 'ISO 3166-1 codes, space-separated, first-mention order';
COMMENT ON COLUMN documents."status" IS 'ok';

CREATE TABLE IF NOT EXISTS dates (
  "record_id" TEXT NOT NULL PRIMARY KEY,
  "doc_id" TEXT,
  "start" BIGINT,
  "end" BIGINT,
  "text" TEXT,
  "date_start" TEXT,
  "date_end" TEXT,
  "precision" TEXT,
  "relative" BOOLEAN,
  "anchor" TEXT,
  "rule_id" TEXT,
  "lang" TEXT,
  FOREIGN KEY ("doc_id") REFERENCES documents ("doc_id")
);
CREATE INDEX IF NOT EXISTS dates_doc_id ON dates ("doc_id");
COMMENT ON TABLE dates IS 'dates.csv: one row per date, date range or relative date found';
COMMENT ON COLUMN dates."record_id" IS 'stable id: hash of doc_id, kind, start, end, rule_id';
COMMENT ON COLUMN dates."doc_id" IS 'the document (documents.doc_id)';
COMMENT ON COLUMN dates."start" IS 'start offset in Unicode code points into the extracted text, 0-based';
COMMENT ON COLUMN dates."end" IS 'end offset in Unicode code points, exclusive';
COMMENT ON COLUMN dates."text" IS 'the surface text matched';
COMMENT ON COLUMN dates."date_start" IS 'ISO 8601 at the given precision (YYYY, YYYY-MM or YYYY-MM-DD); empty when unresolved';
COMMENT ON COLUMN dates."date_end" IS 'end of a range, same form; empty for a single date';
COMMENT ON COLUMN dates."precision" IS 'day, week, month, quarter or year';
COMMENT ON COLUMN dates."relative" IS 'true when the value depends on the anchor';
COMMENT ON COLUMN dates."anchor" IS 'the publication date a relative date was resolved against';
COMMENT ON COLUMN dates."rule_id" IS 'the rule that matched';
COMMENT ON COLUMN dates."lang" IS 'the document''s language';

CREATE TABLE IF NOT EXISTS amounts (
  "record_id" TEXT NOT NULL PRIMARY KEY,
  "doc_id" TEXT,
  "start" BIGINT,
  "end" BIGINT,
  "text" TEXT,
  "value" NUMERIC,
  "currency" TEXT,
  "unit_value" NUMERIC,
  "unit" TEXT,
  "currency_ambiguous" BOOLEAN,
  "qualifier" TEXT,
  "rule_id" TEXT,
  "lang" TEXT,
  FOREIGN KEY ("doc_id") REFERENCES documents ("doc_id")
);
CREATE INDEX IF NOT EXISTS amounts_doc_id ON amounts ("doc_id");
COMMENT ON TABLE amounts IS 'amounts.csv: one row per money amount found';
COMMENT ON COLUMN amounts."record_id" IS 'stable id: hash of doc_id, kind, start, end, rule_id';
COMMENT ON COLUMN amounts."doc_id" IS 'the document (documents.doc_id)';
COMMENT ON COLUMN amounts."start" IS 'start offset in Unicode code points into the extracted text, 0-based';
COMMENT ON COLUMN amounts."end" IS 'end offset in Unicode code points, exclusive';
COMMENT ON COLUMN amounts."text" IS 'the surface text matched';
COMMENT ON COLUMN amounts."value" IS 'exact decimal value, in the main unit of the currency';
COMMENT ON COLUMN amounts."currency" IS 'ISO 4217 code';
COMMENT ON COLUMN amounts."unit_value" IS 'exact decimal value in the unit the text states it in (25 for 25 cent)';
COMMENT ON COLUMN amounts."unit" IS 'that unit as written: currency word or symbol, or minor unit or coin (cent, kwartje)';
COMMENT ON COLUMN amounts."currency_ambiguous" IS 'true when the surface (a bare $) does not pin the currency';
COMMENT ON COLUMN amounts."qualifier" IS 'more_than, less_than, at_least, at_most, about, nearly or up_to';
COMMENT ON COLUMN amounts."rule_id" IS 'the rule that matched';
COMMENT ON COLUMN amounts."lang" IS 'the document''s language';

CREATE TABLE IF NOT EXISTS counts (
  "record_id" TEXT NOT NULL PRIMARY KEY,
  "doc_id" TEXT,
  "start" BIGINT,
  "end" BIGINT,
  "text" TEXT,
  "value" NUMERIC,
  "min" NUMERIC,
  "max" NUMERIC,
  "qualifier" TEXT,
  "unit" TEXT,
  "rule_id" TEXT,
  "lang" TEXT,
  FOREIGN KEY ("doc_id") REFERENCES documents ("doc_id")
);
CREATE INDEX IF NOT EXISTS counts_doc_id ON counts ("doc_id");
COMMENT ON TABLE counts IS 'counts.csv: one row per count (a number or range and the counted noun) found';
COMMENT ON COLUMN counts."record_id" IS 'stable id: hash of doc_id, kind, start, end, rule_id';
COMMENT ON COLUMN counts."doc_id" IS 'the document (documents.doc_id)';
COMMENT ON COLUMN counts."start" IS 'start offset in Unicode code points into the extracted text, 0-based';
COMMENT ON COLUMN counts."end" IS 'end offset in Unicode code points, exclusive';
COMMENT ON COLUMN counts."text" IS 'the surface text matched';
COMMENT ON COLUMN counts."value" IS 'the number, exact decimal';
COMMENT ON COLUMN counts."min" IS 'lower bound of a range';
COMMENT ON COLUMN counts."max" IS 'upper bound of a range';
COMMENT ON COLUMN counts."qualifier" IS 'more_than, less_than, at_least, at_most, about, nearly or up_to';
COMMENT ON COLUMN counts."unit" IS 'the counted noun as written';
COMMENT ON COLUMN counts."rule_id" IS 'the rule that matched';
COMMENT ON COLUMN counts."lang" IS 'the document''s language';

CREATE TABLE IF NOT EXISTS countries (
  "record_id" TEXT NOT NULL PRIMARY KEY,
  "doc_id" TEXT,
  "start" BIGINT,
  "end" BIGINT,
  "text" TEXT,
  "country_code" TEXT,
  "form" TEXT,
  "rule_id" TEXT,
  "lang" TEXT,
  FOREIGN KEY ("doc_id") REFERENCES documents ("doc_id")
);
CREATE INDEX IF NOT EXISTS countries_doc_id ON countries ("doc_id");
COMMENT ON TABLE countries IS 'countries.csv: one row per country mention found';
COMMENT ON COLUMN countries."record_id" IS 'stable id: hash of doc_id, kind, start, end, rule_id';
COMMENT ON COLUMN countries."doc_id" IS 'the document (documents.doc_id)';
COMMENT ON COLUMN countries."start" IS 'start offset in Unicode code points into the extracted text, 0-based';
COMMENT ON COLUMN countries."end" IS 'end offset in Unicode code points, exclusive';
COMMENT ON COLUMN countries."text" IS 'the surface text matched';
COMMENT ON COLUMN countries."country_code" IS 'ISO 3166-1 alpha-2';
COMMENT ON COLUMN countries."form" IS 'name, short, demonym or capital';
COMMENT ON COLUMN countries."rule_id" IS 'the rule that matched';
COMMENT ON COLUMN countries."lang" IS 'the document''s language';

CREATE TABLE IF NOT EXISTS errors (
  "source" TEXT,
  "stage" TEXT,
  "kind" TEXT,
  "message" TEXT,
  "http_status" BIGINT
);
COMMENT ON TABLE errors IS 'errors.csv: one row per input that could not be processed';
COMMENT ON COLUMN errors."source" IS 'the input as named';
COMMENT ON COLUMN errors."stage" IS 'ingest, fetch, read, decode, text, lang, extract or write';
COMMENT ON COLUMN errors."kind" IS 'stable error kind, e.g. not_found, binary, empty, timeout, http_status';
COMMENT ON COLUMN errors."message" IS 'what went wrong';
COMMENT ON COLUMN errors."http_status" IS 'HTTP status of the last response (fetch failures that got one)';

