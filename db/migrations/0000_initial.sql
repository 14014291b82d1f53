CREATE TABLE `admission_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`admission_id` integer NOT NULL,
	`kind` text NOT NULL,
	`fields` text DEFAULT '{}' NOT NULL,
	`reason` text,
	`clerk_id` integer,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`admission_id`) REFERENCES `admissions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `admissions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ipt_no` text NOT NULL,
	`person_id` integer NOT NULL,
	`check_id` integer,
	`mdtrt_id` text,
	`insutype` text NOT NULL,
	`med_type` text NOT NULL,
	`mdtrt_cert_type` text NOT NULL,
	`mdtrt_cert_no` text NOT NULL,
	`grp` text NOT NULL,
	`begntime` text NOT NULL,
	`adm_way` text NOT NULL,
	`adm_dept_codg` text NOT NULL,
	`adm_dept_name` text NOT NULL,
	`adm_bed` text NOT NULL,
	`adm_diag_code` text NOT NULL,
	`adm_diag_name` text NOT NULL,
	`chfpdr_name` text NOT NULL,
	`emergency` integer DEFAULT false NOT NULL,
	`trum_flag` integer DEFAULT false NOT NULL,
	`rel_ttp_flag` integer DEFAULT false NOT NULL,
	`status` text DEFAULT 'admitted' NOT NULL,
	`endtime` text,
	`created_by` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`person_id`) REFERENCES `persons`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`check_id`) REFERENCES `identity_checks`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `admissions_ipt_no_unique` ON `admissions` (`ipt_no`);--> statement-breakpoint
CREATE INDEX `admissions_person` ON `admissions` (`person_id`);--> statement-breakpoint
CREATE TABLE `agency_settlement_results` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`settlement_id` integer NOT NULL,
	`body` text NOT NULL,
	`mismatch` text,
	`resolved_at` text,
	`resolved_by` integer,
	`received_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`settlement_id`) REFERENCES `settlements`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`resolved_by`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`clerk_id` integer,
	`action` text NOT NULL,
	`entity` text NOT NULL,
	`entity_id` text,
	`detail` text,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `audit_log_at` ON `audit_log` (`at`);--> statement-breakpoint
CREATE TABLE `catalogue_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`version` text NOT NULL,
	`med_list_codg` text NOT NULL,
	`medins_list_codg` text,
	`name` text NOT NULL,
	`med_chrgitm_type` text NOT NULL,
	`chrgitm_lv` text NOT NULL,
	`selfpay_prop` text DEFAULT '0' NOT NULL,
	`pric_uplmt_amt` text,
	`begndate` text NOT NULL,
	`enddate` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `catalogue_code_version` ON `catalogue_items` (`med_list_codg`,`version`);--> statement-breakpoint
CREATE INDEX `catalogue_medins` ON `catalogue_items` (`medins_list_codg`);--> statement-breakpoint
CREATE TABLE `claim_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`claim_id` integer NOT NULL,
	`settlement_id` integer NOT NULL,
	FOREIGN KEY (`claim_id`) REFERENCES `claims`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`settlement_id`) REFERENCES `settlements`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `claim_items_settlement_id_unique` ON `claim_items` (`settlement_id`);--> statement-breakpoint
CREATE TABLE `claims` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`setlym` text NOT NULL,
	`insutype` text NOT NULL,
	`scope` text NOT NULL,
	`psntime` integer NOT NULL,
	`medfee_sumamt` text DEFAULT '0.00' NOT NULL,
	`fund_appy_sum` text DEFAULT '0.00' NOT NULL,
	`acct_pay` text DEFAULT '0.00' NOT NULL,
	`cash_payamt` text DEFAULT '0.00' NOT NULL,
	`by_fund` text NOT NULL,
	`msgid` text NOT NULL,
	`clr_appy_evt_id` text,
	`clerk_id` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `claims_msgid_unique` ON `claims` (`msgid`);--> statement-breakpoint
CREATE TABLE `clerks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`login` text NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`password_hash` text NOT NULL,
	`failed_attempts` integer DEFAULT 0 NOT NULL,
	`locked_until` text,
	`active` integer DEFAULT true NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `clerks_login_unique` ON `clerks` (`login`);--> statement-breakpoint
CREATE TABLE `deferrals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`settlement_id` integer NOT NULL,
	`reason` text NOT NULL,
	`requested_on` text NOT NULL,
	`approved` integer,
	`decided_at` text,
	`msgid` text NOT NULL,
	FOREIGN KEY (`settlement_id`) REFERENCES `settlements`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deferrals_msgid_unique` ON `deferrals` (`msgid`);--> statement-breakpoint
CREATE TABLE `fee_imports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`admission_id` integer NOT NULL,
	`file_name` text NOT NULL,
	`sha256` text NOT NULL,
	`rows` integer NOT NULL,
	`clerk_id` integer,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`admission_id`) REFERENCES `admissions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `fee_lines` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`admission_id` integer NOT NULL,
	`import_id` integer,
	`feedetl_sn` text NOT NULL,
	`init_feedetl_sn` text,
	`fee_ocur_time` text NOT NULL,
	`med_list_codg` text NOT NULL,
	`medins_list_codg` text NOT NULL,
	`name` text NOT NULL,
	`cnt` text NOT NULL,
	`pric` text NOT NULL,
	`det_item_fee_sumamt` text DEFAULT '0.00' NOT NULL,
	`bilg_dept_name` text,
	`bilg_dr_name` text,
	`etip_flag` integer DEFAULT false NOT NULL,
	`etip_hosp_code` text,
	`self_pay` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`admission_id`) REFERENCES `admissions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`import_id`) REFERENCES `fee_imports`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `fee_lines_sn` ON `fee_lines` (`admission_id`,`feedetl_sn`);--> statement-breakpoint
CREATE TABLE `identity_checks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`person_id` integer NOT NULL,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`clerk_id` integer,
	`mdtrt_cert_type` text NOT NULL,
	`online` integer NOT NULL,
	`provisional` integer NOT NULL,
	`admission_date` text NOT NULL,
	`direct` integer NOT NULL,
	`reason` text NOT NULL,
	`rule` text NOT NULL,
	`valid_until` text,
	`message` text NOT NULL,
	`recheck_of` integer,
	`changed` integer DEFAULT false NOT NULL,
	`acknowledged_at` text,
	FOREIGN KEY (`person_id`) REFERENCES `persons`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`recheck_of`) REFERENCES `identity_checks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `identity_checks_person` ON `identity_checks` (`person_id`);--> statement-breakpoint
CREATE TABLE `institution` (
	`id` integer PRIMARY KEY NOT NULL,
	`fixmedins_code` text NOT NULL,
	`fixmedins_name` text NOT NULL,
	`level` integer NOT NULL,
	`admdvs` text NOT NULL,
	`networked` integer DEFAULT true NOT NULL,
	`province_name` text NOT NULL,
	`region_name` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`msgid` text NOT NULL,
	`infno` text NOT NULL,
	`order_key` text NOT NULL,
	`payload` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text,
	`last_error` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_msgid_unique` ON `outbox` (`msgid`);--> statement-breakpoint
CREATE INDEX `outbox_status` ON `outbox` (`status`,`id`);--> statement-breakpoint
CREATE TABLE `outbox_results` (
	`msgid` text PRIMARY KEY NOT NULL,
	`infno` text NOT NULL,
	`infcode` integer NOT NULL,
	`err_msg` text,
	`output` text,
	`received_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `outside_exam_slips` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`admission_id` integer NOT NULL,
	`etip_hosp_code` text NOT NULL,
	`etip_hosp_name` text NOT NULL,
	`items` text NOT NULL,
	`reason` text NOT NULL,
	`doctor` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`admission_id`) REFERENCES `admissions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `persons` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`psn_no` text,
	`certno` text NOT NULL,
	`psn_name` text NOT NULL,
	`gend` text NOT NULL,
	`brdy` text NOT NULL,
	`insuplc_admdvs` text NOT NULL,
	`insutype` text NOT NULL,
	`psn_type` text,
	`psn_insu_stas` text DEFAULT '1' NOT NULL,
	`cvlserv_flag` integer DEFAULT false NOT NULL,
	`card_no` text,
	`confirmed_at` text,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `persons_certno_unique` ON `persons` (`certno`);--> statement-breakpoint
CREATE TABLE `policies` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`version` text NOT NULL,
	`insuplc_admdvs` text NOT NULL,
	`insutype` text NOT NULL,
	`year` integer NOT NULL,
	`body` text NOT NULL,
	`imported_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `policies_version_unique` ON `policies` (`version`);--> statement-breakpoint
CREATE INDEX `policies_region` ON `policies` (`insuplc_admdvs`,`insutype`,`year`);--> statement-breakpoint
CREATE TABLE `reconciliation_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`day` text NOT NULL,
	`insutype` text NOT NULL,
	`local_count` integer NOT NULL,
	`local_medfee` text DEFAULT '0.00' NOT NULL,
	`local_fund` text DEFAULT '0.00' NOT NULL,
	`local_acct` text DEFAULT '0.00' NOT NULL,
	`stmt_rslt` text,
	`stmt_rslt_dscr` text,
	`differences` text,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `registrations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`agency_id` text NOT NULL,
	`certno` text NOT NULL,
	`psn_no` text,
	`psn_name` text,
	`insuplc_admdvs` text NOT NULL,
	`grp` text NOT NULL,
	`basis` text DEFAULT 'proof' NOT NULL,
	`destination` text NOT NULL,
	`effective_from` text NOT NULL,
	`proof_supplied_on` text,
	`status` text NOT NULL,
	`roster_version` text,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `registrations_agency_id_unique` ON `registrations` (`agency_id`);--> statement-breakpoint
CREATE INDEX `registrations_certno` ON `registrations` (`certno`);--> statement-breakpoint
CREATE TABLE `review_deductions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`claim_id` integer NOT NULL,
	`settlement_id` integer,
	`amount` text DEFAULT '0.00' NOT NULL,
	`reason` text NOT NULL,
	`status` text DEFAULT 'received' NOT NULL,
	`received_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`claim_id`) REFERENCES `claims`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`settlement_id`) REFERENCES `settlements`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `settlement_funds` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`settlement_id` integer NOT NULL,
	`source` text NOT NULL,
	`fund_pay_type` text NOT NULL,
	`fund_pay_type_name` text NOT NULL,
	`fund_payamt` text DEFAULT '0.00' NOT NULL,
	FOREIGN KEY (`settlement_id`) REFERENCES `settlements`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `settlements` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`admission_id` integer NOT NULL,
	`kind` text NOT NULL,
	`reversal_of` integer,
	`settled_on` text NOT NULL,
	`setl_time` text NOT NULL,
	`insutype` text NOT NULL,
	`scope` text NOT NULL,
	`medfee_sumamt` text DEFAULT '0.00' NOT NULL,
	`inscp_scp_amt` text DEFAULT '0.00' NOT NULL,
	`preselfpay_amt` text DEFAULT '0.00' NOT NULL,
	`overlmt_selfpay` text DEFAULT '0.00' NOT NULL,
	`fulamt_ownpay_amt` text DEFAULT '0.00' NOT NULL,
	`act_pay_dedc` text DEFAULT '0.00' NOT NULL,
	`hifp_pay` text DEFAULT '0.00' NOT NULL,
	`fund_pay_sumamt` text DEFAULT '0.00' NOT NULL,
	`psn_part_amt` text DEFAULT '0.00' NOT NULL,
	`acct_pay` text DEFAULT '0.00' NOT NULL,
	`psn_cash_pay` text DEFAULT '0.00' NOT NULL,
	`policy_version` text NOT NULL,
	`catalogue_version` text NOT NULL,
	`estimate` integer DEFAULT false NOT NULL,
	`assistance_flag` integer DEFAULT false NOT NULL,
	`setl_id` text,
	`msgid` text NOT NULL,
	`reason` text,
	`clerk_id` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`admission_id`) REFERENCES `admissions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`reversal_of`) REFERENCES `settlements`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `settlements_msgid_unique` ON `settlements` (`msgid`);--> statement-breakpoint
CREATE INDEX `settlements_on` ON `settlements` (`settled_on`);--> statement-breakpoint
CREATE UNIQUE INDEX `settlements_one_reversal` ON `settlements` (`reversal_of`);--> statement-breakpoint
CREATE TABLE `sync_cursors` (
	`name` text PRIMARY KEY NOT NULL,
	`cursor` text,
	`state` text DEFAULT 'idle' NOT NULL,
	`staging` text,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `trauma_pledges` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`admission_id` integer NOT NULL,
	`pledger_name` text NOT NULL,
	`relationship` text,
	`cert_type` text NOT NULL,
	`cert_no` text NOT NULL,
	`phone` text NOT NULL,
	`trum_time` text NOT NULL,
	`trum_site` text NOT NULL,
	`trum_rea` text NOT NULL,
	`signed_at` text,
	`witness_clerk_id` integer,
	`supersedes_id` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`admission_id`) REFERENCES `admissions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`witness_clerk_id`) REFERENCES `clerks`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`supersedes_id`) REFERENCES `trauma_pledges`(`id`) ON UPDATE no action ON DELETE no action
);
