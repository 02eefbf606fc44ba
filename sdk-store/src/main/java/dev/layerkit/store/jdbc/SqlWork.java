package dev.layerkit.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/** Work on a borrowed connection, for the helpers that report its {@link SQLException} as the operation's. */
@FunctionalInterface
interface SqlWork<R> {
  R run(Connection connection) throws SQLException;
}
