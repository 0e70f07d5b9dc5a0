# The quickstart used to declare every block in this directory. These moved blocks
# carry a state made with that layout into the module: plan shows the renames and no
# change to any live object. A moved block naming a for_each block without a key
# moves all of its instances.

moved {
  from = domain.main
  to   = module.company.domain.main
}
moved {
  from = department.division
  to   = module.company.department.division
}
moved {
  from = department.function
  to   = module.company.department.function
}
moved {
  from = department.region
  to   = module.company.department.region
}
moved {
  from = account.staff
  to   = module.company.account.staff
}
moved {
  from = account.archive
  to   = module.company.account.archive
}
moved {
  from = group.all_staff
  to   = module.company.group.all_staff
}
moved {
  from = group.sales_inquiries
  to   = module.company.group.sales_inquiries
}
moved {
  from = group.dmarc_reports
  to   = module.company.group.dmarc_reports
}
moved {
  from = group.finance_close
  to   = module.company.group.finance_close
}
moved {
  from = group.management
  to   = module.company.group.management
}
moved {
  from = dns_record.mx
  to   = module.company.dns_record.exmail["mx"]
}
moved {
  from = dns_record.spf
  to   = module.company.dns_record.exmail["spf"]
}
moved {
  from = dns_record.dkim
  to   = module.company.dns_record.exmail["dkim"]
}
moved {
  from = dns_record.dmarc
  to   = module.company.dns_record.exmail["dmarc"]
}
moved {
  from = send_restriction.confidential
  to   = module.company.module.policies["company"].send_restriction.confidential
}
moved {
  from = backup_rule.finance_outbound
  to   = module.company.module.policies["company"].backup_rule.finance_outbound
}
