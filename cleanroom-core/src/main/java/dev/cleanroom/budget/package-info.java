/**
 * Where privacy budgets and query limits are charged: {@link dev.cleanroom.budget.BudgetStores} (in
 * memory, or an append-only journal that is fsynced before a result leaves and recovers after a
 * crash, or a database table that the processes of several hosts share). Charging is atomic across
 * all ledgers of a query.
 */
package dev.cleanroom.budget;
