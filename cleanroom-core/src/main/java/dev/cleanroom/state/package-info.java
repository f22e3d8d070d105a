/**
 * Where a room keeps its state beyond budgets across restarts: {@link
 * dev.cleanroom.state.StateStores#inMemory()} and {@link
 * dev.cleanroom.state.StateStores#journal(java.nio.file.Path)}, for {@link
 * dev.cleanroom.CleanRoom.Builder#stateStore}.
 */
package dev.cleanroom.state;
