/**
 * Queries and their answers: the fluent stages from {@link dev.cleanroom.query.QueryStart} to
 * {@link dev.cleanroom.query.FinalStage}, the {@link dev.cleanroom.query.Dsl} of conditions and
 * aggregates, {@link dev.cleanroom.query.Result} (aggregated rows only, with their noise), {@link
 * dev.cleanroom.query.Explanation} (the plan, the policy checks and the {@link
 * dev.cleanroom.query.ExecutionPath} that will run), cohorts and templates.
 */
package dev.cleanroom.query;
