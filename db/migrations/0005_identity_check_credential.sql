ALTER TABLE `identity_checks` ADD `mdtrt_cert_no` text;--> statement-breakpoint
ALTER TABLE `identity_checks` ADD `emergency` integer DEFAULT false NOT NULL;