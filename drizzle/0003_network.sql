CREATE TABLE `config_applies` (
	`component` text PRIMARY KEY NOT NULL,
	`written_hash` text NOT NULL,
	`applied_hash` text,
	`applied_via` text,
	`error` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `dhcp_reservations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`mac` text NOT NULL,
	`address` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dhcp_reservations_mac_unique` ON `dhcp_reservations` (`mac`);--> statement-breakpoint
CREATE UNIQUE INDEX `dhcp_reservations_address_unique` ON `dhcp_reservations` (`address`);--> statement-breakpoint
CREATE UNIQUE INDEX `dhcp_reservations_name_unique` ON `dhcp_reservations` (`name`);--> statement-breakpoint
CREATE TABLE `dhcp_settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`enabled` integer NOT NULL,
	`interface` text NOT NULL,
	`range_start` text NOT NULL,
	`range_end` text NOT NULL,
	`netmask` text NOT NULL,
	`lease_seconds` integer NOT NULL,
	`gateway` text,
	`dns_server` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `dns_records` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`zone` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`value` text NOT NULL,
	`ttl` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dns_records_unique` ON `dns_records` (`zone`,`name`,`type`,`value`);--> statement-breakpoint
CREATE TABLE `dns_service_names` (
	`name` text PRIMARY KEY NOT NULL,
	`service` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `dns_settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`upstreams` text NOT NULL,
	`tls_server_name` text,
	`cache` integer NOT NULL,
	`log_level` text NOT NULL,
	`public_address` text,
	`public_address6` text,
	`serial` integer NOT NULL,
	`serial_hash` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ntp_settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`sources` text NOT NULL,
	`local_stratum` integer,
	`updated_at` integer NOT NULL
);
