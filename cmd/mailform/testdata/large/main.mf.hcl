# A company of a few hundred resources for the kill test: 4 + 16 + 48 departments in
# three levels, 200 accounts, 10 groups and 32 DNS RRsets.
locals {
  tops      = [for t in range(4) : "t${t}"]
  mids      = { for p in setproduct(range(4), range(4)) : "t${p[0]}m${p[1]}" => "t${p[0]}" }
  leaves    = { for p in setproduct(keys(local.mids), range(3)) : "${p[0]}l${p[1]}" => p[0] }
  leaf_keys = sort(keys(local.leaves))
  staff     = { for i in range(200) : format("u%03d", i) => local.leaf_keys[i % 48] }
}

domain "corp" {
  name = "example.com"
}

department "top" {
  for_each = toset(local.tops)
  name     = "Top ${each.key}"
}

department "mid" {
  for_each = local.mids
  name     = "Mid ${each.key}"
  parent   = department.top[each.value].id
}

department "leaf" {
  for_each = local.leaves
  name     = "Leaf ${each.key}"
  parent   = department.mid[each.value].id
}

account "staff" {
  for_each    = local.staff
  email       = "${each.key}@example.com"
  name        = "Staff ${each.key}"
  departments = [department.leaf[each.value].id]
}

group "team" {
  for_each = toset([for g in range(10) : format("team%02d", g)])
  email    = "${each.key}@example.com"
  name     = "Team ${each.key}"
  members  = [for i in range(20) : account.staff[format("u%03d", tonumber(substr(each.key, 4, 2)) * 20 + i)].email]
}

dns_record "host" {
  for_each = toset([for h in range(30) : format("host%02d", h)])
  zone     = "example.com"
  name     = each.key
  type     = "A"
  records  = ["192.0.2.${tonumber(substr(each.key, 4, 2)) + 1}"]
}

dns_record "mx" {
  zone    = "example.com"
  name    = "@"
  type    = "MX"
  records = ["5 mxbiz1.qq.com.", "10 mxbiz2.qq.com."]
}

dns_record "spf" {
  zone    = "example.com"
  name    = "@"
  type    = "TXT"
  records = ["v=spf1 include:spf.mail.qq.com ~all"]
}

provider "sandbox" {}
