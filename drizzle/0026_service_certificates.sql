CREATE TABLE `service_certificates` (
	`owner` text PRIMARY KEY NOT NULL,
	`hosts` text NOT NULL,
	`cert_pem` text NOT NULL,
	`key_enc` text NOT NULL,
	`not_after` integer NOT NULL,
	`created_at` integer NOT NULL
);
