/**
 * The MongoDB backend: {@link dev.layerkit.store.mongo.MongoRepository} keeps each repository in a
 * collection of {@code {_id, _v, doc}} documents, saves with a version-guarded
 * {@code findOneAndReplace}, and indexes the descriptor's fields.
 *
 * <p>Needs {@code org.mongodb:mongodb-driver-sync} on the class path.
 */
@NullMarked
package dev.layerkit.store.mongo;

import org.jspecify.annotations.NullMarked;
