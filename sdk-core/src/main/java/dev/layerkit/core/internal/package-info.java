/**
 * Implementation pieces shared by Layerkit's modules. Not API: public only so that sibling
 * modules can use them; they may change or go without notice.
 */
@NullMarked
package dev.layerkit.core.internal;

import org.jspecify.annotations.NullMarked;
