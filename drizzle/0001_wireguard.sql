CREATE TABLE `login_links` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`token_hash` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `login_links_token_hash_unique` ON `login_links` (`token_hash`);--> statement-breakpoint
CREATE TABLE `peers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`host_index` integer NOT NULL,
	`routing_policy` text NOT NULL,
	`allowed_ips` text NOT NULL,
	`peer_to_peer` integer NOT NULL,
	`public_key` text NOT NULL,
	`private_key_enc` text,
	`preshared_key_enc` text,
	`enabled` integer NOT NULL,
	`disabled_reason` text,
	`expires_at` integer,
	`user_id` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`keys_rotated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `peers_name` ON `peers` (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX `peers_host_index` ON `peers` (`host_index`);--> statement-breakpoint
CREATE UNIQUE INDEX `peers_public_key` ON `peers` (`public_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `peers_user` ON `peers` (`user_id`);--> statement-breakpoint
CREATE INDEX `peers_expiry` ON `peers` (`enabled`,`expires_at`);--> statement-breakpoint
CREATE TABLE `wireguard_settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`listen_port` integer NOT NULL,
	`subnet` text NOT NULL,
	`subnet6` text,
	`endpoint_host` text,
	`endpoint_port` integer,
	`dns` text,
	`mtu` integer,
	`persistent_keepalive` integer NOT NULL,
	`private_key_enc` text NOT NULL,
	`public_key` text NOT NULL,
	`keys_rotated_at` integer NOT NULL,
	`revision` integer NOT NULL,
	`applied_revision` integer NOT NULL,
	`apply_error` text,
	`updated_at` integer NOT NULL
);
