/**
 * Loaders for the operators' own configuration files (Unified Configuration
 * recipes and msconfig lines) into a {@link org.repgroup.core.config.RepgroupConfiguration}.
 */
package org.repgroup.core.config;
