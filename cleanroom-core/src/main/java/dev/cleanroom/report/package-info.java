/**
 * A static HTML report of released results, for a host to show analysts and data owners: {@link
 * dev.cleanroom.report.HtmlReport}. The page is one file with inline CSS and inline SVG only: no
 * scripts, nothing loaded from the network, every text escaped. It shows only what a {@link
 * dev.cleanroom.query.Result} already released, the owners' policies and the budgets' balances,
 * never a row or a value of a person.
 */
package dev.cleanroom.report;
