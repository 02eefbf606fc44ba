/**
 * The application layer: what a service uses to call other services and to make its own writes
 * safe to retry.
 */
@NullMarked
package dev.layerkit.service;

import org.jspecify.annotations.NullMarked;
