"""What the platforms send, built with the platforms' own SDKs where they exist.

Shared by ``run.py`` (interop and restart tests) and ``scripts/load.sh`` (which pre-builds
encrypted WeCom requests). Everything here talks only to 127.0.0.1.

* WeCom: ``wechatpy.enterprise.crypto.WeChatCrypto`` encrypts and signs exactly as WeCom does,
  and decrypts and checks the server's passive replies.
* DingTalk: the outgoing robot's ``timestamp``/``sign`` headers per the doc,
  Base64(HmacSHA256(key=AppSecret, msg=timestamp + "\\n" + AppSecret)).
* Feishu: lark-oapi can decrypt but not encrypt, so events are encrypted here with AES-256-CBC
  (key = SHA256(Encrypt Key), random IV in front, PKCS#7) using ``cryptography``, and every
  request built is first passed through lark-oapi's own ``EventDispatcherHandler`` to prove it
  is what Feishu would send.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import time
import uuid

# Fake credentials (the protocol vectors' own), passed to the server through the environment.
WECOM_TOKEN = "PolicyBotToken2024"
WECOM_AES_KEY = "lXmwCw6JmjI4BnqYubnByQxfJ8CiwyKKJexR3WmCJ5A"
WECOM_CORP_ID = "ww1a2b3c4d5e6f7a8b"
DINGTALK_APP_SECRET = "Xq3vP9sL2kT7wN4mB8cR1yH6uJ0eA5dF9gZ2iK7oL3pQ8sV1xC4nM6bT0rW5yE2u"
FEISHU_APP_ID = "cli_a1b2c3d4e5f6a7b8"
FEISHU_APP_SECRET = "FsAppSecretPolicyBot0123456789ab"
FEISHU_VERIFICATION_TOKEN = "vtPolicyBotVerificationToken2024"
FEISHU_ENCRYPT_KEY = "FsPolicyBotEncryptKey2024abcdEFGH"


def server_environment():
    """The platform secrets as the server reads them."""
    return {
        "WECOM_TOKEN": WECOM_TOKEN,
        "WECOM_AES_KEY": WECOM_AES_KEY,
        "WECOM_CORP_ID": WECOM_CORP_ID,
        "DINGTALK_APP_SECRET": DINGTALK_APP_SECRET,
        "FEISHU_APP_ID": FEISHU_APP_ID,
        "FEISHU_APP_SECRET": FEISHU_APP_SECRET,
        "FEISHU_VERIFICATION_TOKEN": FEISHU_VERIFICATION_TOKEN,
        "FEISHU_ENCRYPT_KEY": FEISHU_ENCRYPT_KEY,
    }


# --------------------------------------------------------------------------- WeCom

def wecom_crypto():
    from wechatpy.enterprise.crypto import WeChatCrypto

    return WeChatCrypto(WECOM_TOKEN, WECOM_AES_KEY, WECOM_CORP_ID)


def _xml_field(xml, name):
    match = re.search(r"<%s>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?</%s>" % (name, name), xml, re.S)
    return match.group(1) if match else None


def wecom_text_xml(user, content, msg_id, create_time=None):
    """The plaintext of a text message as WeCom's 消息格式 shows it."""
    create_time = create_time or int(time.time())
    return (
        "<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"
        "<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content>"
        "<MsgId>%s</MsgId><AgentID>1000002</AgentID></xml>" % (WECOM_CORP_ID, user, create_time, content, msg_id)
    )


def wecom_request(plaintext_xml, crypto=None, timestamp=None, nonce=None):
    """(path with query, body) of the POST WeCom sends: wechatpy encrypts and signs the
    message; WeCom carries the signature in the query and the ciphertext in <Encrypt>."""
    crypto = crypto or wecom_crypto()
    timestamp = str(timestamp or int(time.time()))
    nonce = nonce or str(int.from_bytes(os.urandom(4), "big"))
    envelope = crypto.encrypt_message(plaintext_xml, nonce, timestamp)
    encrypted = _xml_field(envelope, "Encrypt")
    signature = _xml_field(envelope, "MsgSignature")
    body = (
        "<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt>"
        "<AgentID><![CDATA[1000002]]></AgentID></xml>" % (WECOM_CORP_ID, encrypted)
    )
    path = "/webhooks/wecom?msg_signature=%s&timestamp=%s&nonce=%s" % (signature, timestamp, nonce)
    return path, body


def wecom_open_reply(reply_xml, crypto=None):
    """Checks the passive reply's signature and decrypts it with wechatpy; returns the parsed
    wechatpy message (``.content``, ``.source``, ``.target``) and the plaintext XML."""
    from wechatpy.enterprise import parse_message

    crypto = crypto or wecom_crypto()
    signature = _xml_field(reply_xml, "MsgSignature")
    timestamp = _xml_field(reply_xml, "TimeStamp")
    nonce = _xml_field(reply_xml, "Nonce")
    if not (signature and timestamp and nonce):
        raise AssertionError("the WeCom reply lacks MsgSignature/TimeStamp/Nonce: %r" % reply_xml[:200])
    plaintext = crypto.decrypt_message(reply_xml, signature, timestamp, nonce)
    return parse_message(plaintext), plaintext


# --------------------------------------------------------------------------- DingTalk

def dingtalk_sign(timestamp_ms, secret=DINGTALK_APP_SECRET):
    string_to_sign = "%s\n%s" % (timestamp_ms, secret)
    mac = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


def dingtalk_headers(timestamp_ms=None, secret=DINGTALK_APP_SECRET):
    timestamp_ms = str(timestamp_ms or int(time.time() * 1000))
    return {
        "Content-Type": "application/json; charset=utf-8",
        "timestamp": timestamp_ms,
        "sign": dingtalk_sign(timestamp_ms, secret),
    }


def dingtalk_body(text, msg_id, sender="zhangsan", conversation="cidInteropGroup0001=="):
    """The outgoing robot's JSON for a group text message (fields as in the doc's 消息体)."""
    now = int(time.time() * 1000)
    return json.dumps({
        "conversationId": conversation, "atUsers": [{"dingtalkId": "$:LWCP_v1:$PolicyBot"}],
        "chatbotCorpId": "ding1234567890abcdef", "chatbotUserId": "$:LWCP_v1:$PolicyBot", "msgId": msg_id,
        "senderNick": "张三", "isAdmin": False, "senderStaffId": sender, "sessionWebhookExpiredTime": now + 5400000,
        "createAt": now, "senderCorpId": "ding1234567890abcdef", "conversationType": "2",
        "senderId": "$:LWCP_v1:$" + sender, "conversationTitle": "政策咨询群", "isInAtList": True,
        "sessionWebhook": "http://127.0.0.1:9/robot/sendBySession?session=interop", "robotCode": "dingPolicyBot",
        "text": {"content": " " + text}, "msgtype": "text",
    }, ensure_ascii=False)


# --------------------------------------------------------------------------- Feishu

def feishu_encrypt(plaintext, encrypt_key=FEISHU_ENCRYPT_KEY):
    """base64(IV | AES-256-CBC(key=SHA256(encrypt_key), IV, PKCS#7(plaintext)))."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = hashlib.sha256(encrypt_key.encode("utf-8")).digest()
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    data = padder.update(plaintext.encode("utf-8")) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + encryptor.update(data) + encryptor.finalize()).decode("ascii")


def feishu_sign(timestamp, nonce, body_bytes, encrypt_key=FEISHU_ENCRYPT_KEY):
    digest = hashlib.sha256((timestamp + nonce + encrypt_key).encode("utf-8") + body_bytes)
    return digest.hexdigest()


def feishu_message_event(text, event_id=None, message_id=None, open_id="ou_interop0001", token=None):
    """A v2 im.message.receive_v1 event as Feishu delivers it (plaintext JSON)."""
    now_ms = str(int(time.time() * 1000))
    event_id = event_id or uuid.uuid4().hex
    message_id = message_id or "om_" + uuid.uuid4().hex
    return json.dumps({
        "schema": "2.0",
        "header": {"event_id": event_id, "event_type": "im.message.receive_v1", "create_time": now_ms,
                   "token": token or FEISHU_VERIFICATION_TOKEN, "app_id": FEISHU_APP_ID, "tenant_key": "2ca1d211f64f6438"},
        "event": {
            "sender": {"sender_id": {"union_id": "on_interop", "user_id": "zhangsan", "open_id": open_id},
                       "sender_type": "user", "tenant_key": "2ca1d211f64f6438"},
            "message": {"message_id": message_id, "root_id": "", "parent_id": "", "create_time": now_ms,
                        "update_time": now_ms, "chat_id": "oc_interop0001", "chat_type": "group",
                        "message_type": "text", "content": json.dumps({"text": "@_user_1 " + text}, ensure_ascii=False),
                        "mentions": [{"key": "@_user_1", "id": {"union_id": "on_bot", "user_id": "", "open_id": "ou_bot"},
                                      "name": "政策小助手", "tenant_key": "2ca1d211f64f6438"}]},
        },
    }, ensure_ascii=False, separators=(",", ":"))


def feishu_request(plaintext_json, encrypt_key=FEISHU_ENCRYPT_KEY):
    """(headers, body bytes) of an encrypted, signed event POST."""
    body = json.dumps({"encrypt": feishu_encrypt(plaintext_json, encrypt_key)}, separators=(",", ":")).encode("utf-8")
    timestamp = str(int(time.time()))
    nonce = str(int.from_bytes(os.urandom(4), "big"))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Lark-Request-Timestamp": timestamp,
        "X-Lark-Request-Nonce": nonce,
        "X-Lark-Signature": feishu_sign(timestamp, nonce, body, encrypt_key),
    }
    return headers, body


def lark_accepts(headers, body):
    """Runs the request through lark-oapi's own dispatcher (signature, decryption, token and
    P2ImMessageReceiveV1 parsing); returns the parsed event, or raises AssertionError."""
    import logging

    import lark_oapi as lark
    from lark_oapi.core.model import RawRequest

    logging.getLogger("Lark").setLevel(logging.CRITICAL)
    received = []
    handler = (lark.EventDispatcherHandler.builder(FEISHU_ENCRYPT_KEY, FEISHU_VERIFICATION_TOKEN)
               .register_p2_im_message_receive_v1(received.append).build())
    request = RawRequest()
    request.uri = "/webhooks/feishu"
    request.headers = dict(headers)
    request.body = body
    response = handler.do(request)
    if response.status_code != 200 or len(received) != 1:
        raise AssertionError("lark-oapi rejected the event we built: %s %r" % (response.status_code, response.content))
    return received[0]
