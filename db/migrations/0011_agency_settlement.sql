CREATE TABLE `fee_line_splits` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`admission_id` integer NOT NULL,
	`feedetl_sn` text NOT NULL,
	`msgid` text NOT NULL,
	`chrgitm_lv` text,
	`pric_uplmt_amt` text,
	`selfpay_prop` text,
	`inscp_scp_amt` text,
	`preselfpay_amt` text,
	`overlmt_amt` text,
	`fulamt_ownpay_amt` text,
	`memo` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`admission_id`) REFERENCES `admissions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `fee_line_splits_admission` ON `fee_line_splits` (`admission_id`,`feedetl_sn`);--> statement-breakpoint
CREATE TABLE `fee_uploads` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`admission_id` integer NOT NULL,
	`feedetl_sn` text NOT NULL,
	`msgid` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`admission_id`) REFERENCES `admissions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `fee_uploads_admission` ON `fee_uploads` (`admission_id`,`feedetl_sn`);--> statement-breakpoint
CREATE TABLE `full_self_pay_discharges` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`admission_id` integer NOT NULL,
	`paid_on` text NOT NULL,
	`upload_by` text NOT NULL,
	`claim_by` text NOT NULL,
	`reason` text NOT NULL,
	`medfee_sumamt` text DEFAULT '0.00' NOT NULL,
	`clerk_id` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`admission_id`) REFERENCES `admissions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `full_self_pay_discharges_admission_id_unique` ON `full_self_pay_discharges` (`admission_id`);--> statement-breakpoint
CREATE TABLE `settlement_requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`admission_id` integer NOT NULL,
	`msgid` text NOT NULL,
	`mode` text NOT NULL,
	`estimate` text NOT NULL,
	`clerk_id` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`admission_id`) REFERENCES `admissions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `settlement_requests_msgid_unique` ON `settlement_requests` (`msgid`);--> statement-breakpoint
CREATE INDEX `settlement_requests_admission` ON `settlement_requests` (`admission_id`);--> statement-breakpoint
ALTER TABLE `settlements` ADD `basis` text DEFAULT 'desk' NOT NULL;--> statement-breakpoint
ALTER TABLE `settlements` ADD `request_id` integer REFERENCES settlement_requests(id);--> statement-breakpoint
CREATE UNIQUE INDEX `settlements_one_per_request` ON `settlements` (`request_id`);--> statement-breakpoint
-- Lines uploaded with earlier settlements lived only in their settle_input: they become fee_uploads rows (one source).
INSERT INTO `fee_uploads` (`admission_id`, `feedetl_sn`, `msgid`, `created_at`)
  SELECT s.`admission_id`, j.value, s.`msgid`, s.`created_at`
  FROM `settlements` s, json_each(json_extract(s.`settle_input`, '$.meta.uploadedSns')) j
  WHERE s.`kind` = 'settlement' AND json_valid(s.`settle_input`)
  ORDER BY s.`id`, j.key;
