CREATE TABLE `proxy_certificates` (
	`host` text PRIMARY KEY NOT NULL,
	`cert_pem` text NOT NULL,
	`key_enc` text NOT NULL,
	`not_after` integer NOT NULL,
	`created_at` integer NOT NULL
);
